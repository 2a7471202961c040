import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { modelOf } from '../../src/cli/command-model.js';
import { bashCompletion } from '../../src/cli/completion-bash.js';
import { zshCompletion } from '../../src/cli/completion-zsh.js';
import { describeProgram } from '../../src/cli/program.js';
import { renderManPage } from '../../src/docs/man-page.js';
import { cli } from './helpers/run-cli.js';

const model = modelOf(describeProgram());
const script = bashCompletion(model);

/** Sources the script in a real bash and asks it to complete the words (the last one is the cursor's). */
function complete(...words: string[]): string[] {
  const program = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _regsetup; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['--norc', '--noprofile', '-c', program], { encoding: 'utf8', cwd: 'test' }).split('\n').filter(Boolean);
}

describe('bash completion', () => {
  it.each([
    [['regsetup', ''], ['join', 'plan', 'verify', 'doctor', 'login', 'creds', 'leave', 'status', 'agent', 'config', 'profile', 'completion']],
    [['regsetup', 'j'], ['join']],
    [['regsetup', 'creds', ''], ['migrate', 'doctor']],
    [['regsetup', '--json', 'creds', 'm'], ['migrate']],
    [['regsetup', 'join', 'r.example', '--restart', ''], ['auto', 'reload', 'restart', 'never']],
    [['regsetup', 'join', 'r.example', '--restart', 're'], ['reload', 'restart']],
    [['regsetup', 'completion', ''], ['bash', 'zsh']],
    [['regsetup', 'verify', 'r', '--runtime', 'c'], ['containerd', 'crio']],
    [['regsetup', 'agent', '--mode', ''], ['repair', 'report']],
    [['regsetup', 'creds', 'migrate', '--d'], ['--dry-run', '--docker-config', '--docker-host']],
    [['regsetup', 'status', '--j'], ['--json']],
    [['regsetup', 'verify', 'r', '--max-clock-skew', ''], []],
    [['regsetup', '--root', '/tmp', 'sta'], ['status']],
  ])('%j → %j', (words, expected) => {
    expect(complete(...words)).toEqual(expected);
  });

  it('offers plan no --dry-run, join its own flags and the global ones', () => {
    expect(complete('regsetup', 'plan', '--dr')).toEqual([]);
    expect(complete('regsetup', 'join', '--no')).toEqual(['--no-verify']);
    expect(complete('regsetup', 'join', '--ye')).toEqual(['--yes']);
  });

  it('completes file names for --ca-file', () => {
    expect(complete('regsetup', 'join', 'r', '--ca-file', 'setup-e')).toEqual(['setup-env.ts']);
  });

  it('is what `regsetup completion bash` prints', async () => {
    expect((await cli(['completion', 'bash'])).stdout).toBe(script);
  });
});

describe('zsh completion', () => {
  const zsh = zshCompletion(model);
  it('has a function per command, the choices of --restart, and file completion for files', () => {
    expect(zsh.startsWith('#compdef regsetup\n')).toBe(true);
    for (const fn of ['_regsetup()', '_regsetup_join()', '_regsetup_creds()', '_regsetup_creds_migrate()', '_regsetup_completion()']) expect(zsh).toContain(fn);
    expect(zsh).toContain(':policy:(auto reload restart never)');
    expect(zsh).toContain("--ca-file'[the registry CA certificate (PEM)]:path:_files'");
    expect(zsh).toContain("'::registry: '");
  });

  it('is what `regsetup completion zsh` prints', async () => {
    expect((await cli(['completion', 'zsh'])).stdout).toBe(zsh);
  });
});

describe('the man page', () => {
  const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  it('docs/regsetup.1 is generated from the command definitions and up to date (npm run docs)', () => {
    expect(readFileSync('docs/regsetup.1', 'utf8')).toBe(renderManPage(modelOf(describeProgram(version)), version));
  });

  it('has every command and every flag', () => {
    const page = renderManPage(model, version);
    const unescape = (s: string) => s.replace(/\\-/g, '-').replace(/\\f[BIR]/g, '');
    for (const c of [model, ...model.subcommands, ...model.subcommands.flatMap((s) => s.subcommands)]) {
      if (c.path.length > 0) expect(unescape(page)).toContain(`.SS regsetup ${c.path.join(' ')}`);
      for (const f of c.flags) expect(unescape(page)).toContain(f.long);
    }
  });
});
