import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApplyReport } from '../../src/apply/apply.js';
import { modelOf } from '../../src/cli/command-model.js';
import { specAt, specs, type CommandSpec } from '../../src/cli/commands-table.js';
import { appliedJson, appliedLine } from '../../src/cli/commands/io.js';
import { ISSUES_URL, renderError } from '../../src/cli/exit.js';
import { fullExitTable } from '../../src/cli/help.js';
import { RESTART_POLICIES as RESTART_FLAG, RUNTIME_CHOICES } from '../../src/cli/options.js';
import { createOutput } from '../../src/cli/output.js';
import { describeProgram } from '../../src/cli/program.js';
import { commandNeeds } from '../../src/core/access-needs.js';
import { ACTIVATIONS, ACTIVATIONS_DONE, activationDone, doneLine, plannedLine } from '../../src/core/activation-words.js';
import { RESTART_POLICIES, RUNTIME_KINDS } from '../../src/core/desired-state.js';
import { ExitCode } from '../../src/core/errors.js';
import { exitCodeMeanings } from '../../src/core/exit-codes.js';
import { renderManPage } from '../../src/docs/man-page.js';
import { caDecisionJson } from '../../src/preflight/ca.js';

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : /\.(ts|mjs|js|sh)$/.test(e.name) ? [join(dir, e.name)] : []));
const read = (path: string) => readFileSync(path, 'utf8');
const readme = read('README.md');
const architecture = read('docs/architecture.md');

/** A markdown file's headings: their text and their {#id} or GitHub slug. */
function headings(text: string): { titles: Set<string>; ids: Set<string> } {
  const titles = new Set<string>();
  const ids = new Set<string>();
  for (const m of text.matchAll(/^#+ (.+?)(?: \{#([\w-]+)\})?$/gm)) {
    titles.add(m[1]!);
    ids.add(m[2] ?? m[1]!.toLowerCase().replace(/[^\w\s-]/g, '').replace(/\s/g, '-'));
    if (m[2]) ids.add(m[1]!.toLowerCase().replace(/[^\w\s-]/g, '').replace(/\s/g, '-'));
  }
  return { titles, ids };
}

describe('comments cite the repository\'s own notes', () => {
  const sources = [...files('src'), ...files('test'), ...files('scripts'), ...files('bin')];

  it('never the session notes (DESIGN.md, FACTS.md, STYLE.md)', () => {
    const citing = sources.filter((f) => f !== 'test/unit/docs-agree.test.ts' && /\b(DESIGN|FACTS|STYLE)\.md\b/.test(read(f)));
    expect(citing).toEqual([]);
  });

  it('and every docs/ note, anchor and section they cite exists', () => {
    const cited = sources.flatMap((f) =>
      [...read(f).matchAll(/(?<![\w/.-])docs\/([\w-]+\.md)(?:#([\w-]+))?(?:,? "([^"]+)")?/g)].map((m) => ({ f, file: m[1]!, anchor: m[2], section: m[3] })),
    );
    expect(cited.length).toBeGreaterThan(10);
    const problems = cited.flatMap(({ f, file, anchor, section }) => {
      let text: string;
      try {
        text = read(`docs/${file}`);
      } catch {
        return [`${f}: docs/${file} does not exist`];
      }
      const h = headings(text);
      if (anchor !== undefined && !h.ids.has(anchor)) return [`${f}: docs/${file}#${anchor} is no heading`];
      if (section !== undefined && !h.titles.has(section)) return [`${f}: docs/${file} has no section "${section}"`];
      return [];
    });
    expect(problems).toEqual([]);
  });
});

describe('exit-code tables agree with what the commands do', () => {
  const leaves = (list: CommandSpec[], path: string[] = []): Array<{ path: string[]; spec: CommandSpec }> =>
    list.flatMap((s) => (s.subcommands ? leaves(s.subcommands, [...path, s.name]) : [{ path: [...path, s.name], spec: s }]));

  it.each(Object.keys(commandNeeds))('%s, checked by the permission preflight, lists exit 4 for it', (path) => {
    const table = specAt(path.split(' '))!.exits;
    expect(table[ExitCode.preflightRefused], path).toMatch(/permission/);
  });

  it.each(leaves(specs).map((l) => [l.path.join(' '), l.spec] as const))('%s lists exit 2 (an unknown flag is bad usage everywhere)', (_, spec) => {
    expect(spec.exits[ExitCode.usage]).toBeDefined();
  });

  it('the man page has the program\'s exit codes and every command\'s own table, and names where bugs go', () => {
    const page = renderManPage(modelOf(describeProgram()), '0.0.0').replace(/\\-/g, '-').replace(/\\e/g, '\\');
    const status = page.slice(page.indexOf('.SH EXIT STATUS'), page.indexOf('.SH ENVIRONMENT'));
    for (const [code, meaning] of Object.entries(exitCodeMeanings)) expect(status).toContain(`.TP 4\n${code}\n${meaning}\n`);
    for (const { path, spec } of leaves(specs)) {
      const section = page.slice(page.indexOf(`.SS regsetup ${path.join(' ')}`));
      for (const [code, meaning] of fullExitTable(spec.exits)) expect(section, path.join(' ')).toContain(`.TP 4\n${code}\n${meaning}\n`);
    }
    expect(page.slice(page.indexOf('.SH BUGS'))).toContain(ISSUES_URL);
  });

  it('an unexpected failure says where to report it (exit 1)', () => {
    let stderr = '';
    const out = createOutput(false, { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) } });
    expect(renderError(new TypeError('x is undefined'), out)).toBe(ExitCode.unexpected);
    expect(stderr).toContain('regsetup: error ERR_UNEXPECTED: x is undefined');
    expect(stderr).toContain(`Please report it at ${ISSUES_URL}`);
  });
});

describe('the flags offer what the desired state accepts', () => {
  it('--runtime and --restart take the schema\'s values', () => {
    expect([...RUNTIME_CHOICES]).toEqual(['auto', ...RUNTIME_KINDS]);
    expect([...RESTART_FLAG]).toEqual([...RESTART_POLICIES]);
  });
});

describe('one vocabulary for reload and restart', () => {
  const applied = (activation: 'none' | 'reload' | 'restart', activated: boolean): ApplyReport => ({
    plan: { operation: 'join', registry: 'r.example', runtimes: [], warnings: [] } as unknown as ApplyReport['plan'],
    changes: [{ path: '/etc/docker/daemon.json', change: activated ? 'modified' : 'unchanged', runtime: 'docker' }],
    runtimes: [{ runtime: 'docker', label: 'dockerd', activation, activated }],
  });

  it('the plan says what it will do, the run what it did', () => {
    expect(plannedLine('dockerd', 'reload', 'SIGHUP')).toBe('dockerd: reload (SIGHUP)');
    expect(plannedLine('containerd', 'none')).toBe('containerd: no reload or restart');
    expect(doneLine('dockerd', 'reloaded')).toBe('dockerd: reloaded');
    expect(appliedLine('r.example', applied('restart', true))).toBe('r.example: modified /etc/docker/daemon.json, dockerd: restarted');
    expect(appliedLine('r.example', applied('none', false))).toBe('r.example: already up to date');
  });

  it('JSON keeps activation and activated (scripts read them) and adds done', () => {
    expect(appliedJson(applied('reload', true)).runtimes[0]).toMatchObject({ activation: 'reload', activated: true, done: 'reloaded' });
    expect(appliedJson(applied('restart', false)).runtimes[0]).toMatchObject({ activation: 'restart', activated: false, done: 'none' });
    expect(ACTIVATIONS.map((a) => activationDone(a, true))).toEqual([...ACTIVATIONS_DONE]);
  });

  it('README and docs/architecture.md name the same words', () => {
    for (const doc of [readme, architecture]) {
      expect(doc).toContain(ACTIVATIONS.map((w) => `\`${w}\``).join(', '));
      expect(doc).toContain(ACTIVATIONS_DONE.map((w) => `\`${w}\``).join(', '));
    }
    for (const key of Object.keys(caDecisionJson({ pems: [], source: 'file' })!)) expect(readme).toContain(`\`${key}\``);
  });
});
