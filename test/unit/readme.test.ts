import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allCommands, globalFlags, modelOf } from '../../src/cli/command-model.js';
import { describeProgram } from '../../src/cli/program.js';
import { exitCodeMeanings } from '../../src/core/exit-codes.js';
import { ISSUES_URL } from '../../src/cli/exit.js';

const readme = readFileSync('README.md', 'utf8');
const program = modelOf(describeProgram());
const commands = allCommands(program).filter((c) => c.path.length > 0);
const flags = new Set([...commands.flatMap((c) => c.flags), ...globalFlags(program)].map((f) => f.long));
// Flags README mentions that belong to the scripts, not to regsetup.
// Flags of the scripts, and of the daemons (dockerd, k3s, kubelet) README names when it explains them.
const scriptFlags = new Set(['--lab', '--agent', '--fleet', '--check', '--diff', '--now', '--noEmit', '--sha256', '--prefix', '--cacert', '--reset', '--containerd', '--iptables', '--bridge', '--data-dir', '--private-registry', '--image-credential-provider-bin-dir', '--image-credential-provider-config']);

describe('README agrees with the program', () => {
  it('mentions no flag the program lacks', () => {
    const mentioned = new Set([...readme.matchAll(/(?<![\w-])--[a-zA-Z][\w-]*/g)].map((m) => m[0]));
    expect([...mentioned].filter((f) => !flags.has(f) && !scriptFlags.has(f)).sort()).toEqual([]);
  });

  it('has every command in its command table', () => {
    const table = readme.slice(readme.indexOf('| command | what it does |'), readme.indexOf('Global flags'));
    for (const c of commands) expect(table, c.path.join(' ')).toContain(`\`${c.path.join(' ')}`);
  });

  it('lists every global flag', () => {
    for (const f of globalFlags(program).filter((g) => !['--help', '--version'].includes(g.long))) expect(readme).toContain(f.long);
  });

  it('has the exit codes as the program means them, and links the error reference', () => {
    for (const [code, meaning] of Object.entries(exitCodeMeanings)) expect(readme).toContain(`| ${code} | ${meaning}`);
    expect(readme).toContain('(docs/errors.md)');
  });

  it('names where bugs go, as package.json does', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bugs: { url: string } };
    expect(pkg.bugs.url).toBe(ISSUES_URL);
    expect(readme).toContain(ISSUES_URL);
  });
});
