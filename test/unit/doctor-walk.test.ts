import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { emptyJournal, recordJoin } from '../../src/core/journal.js';
import { passFix } from '../../src/doctor/fixes/credential-fixes.js';
import { planPreview } from '../../src/doctor/fixes/plan-fix.js';
import { desired, planJoin, snapshot } from './helpers/join-fixtures.js';
import { changeLine, compareFindings, findingLines, summaryLine } from '../../src/doctor/render.js';
import { collectTargets, explicitTarget } from '../../src/doctor/targets.js';
import { findingJson, type Finding } from '../../src/doctor/types.js';
import { walkFixes } from '../../src/doctor/walk.js';
import { nodeFiles } from '../../src/host/files.js';
import type { CredentialBackend } from '../../src/credentials/backend.js';
import { fakeFix } from './helpers/doctor-fixtures.js';

const finding = (id: string, registry: string | undefined, apply?: Finding['apply']): Finding => ({
  id,
  severity: 'error',
  ...(registry ? { registry } : {}),
  seen: 's',
  cause: 'c',
  fix: 'f',
  fixable: apply !== undefined,
  check: 'verify',
  ...(apply ? { apply } : {}),
});

describe('walkFixes', () => {
  it('shows each fix before asking, applies what was accepted, and offers a shared fix once', async () => {
    const log: string[] = [];
    const notes: string[] = [];
    const questions: string[] = [];
    const answers = [true, false];
    const findings = [finding('daemon-not-reloaded', undefined, fakeFix('reload', log)), finding('tls-unknown-authority', 'a', fakeFix('ca:a', log)), finding('daemon-not-reloaded', 'b', fakeFix('reload', log)), finding('clock-skew', 'a')];
    const outcomes = await walkFixes(findings, { applyAll: false, note: (l) => notes.push(l), ask: async (q) => (questions.push(q), answers.shift()!) });
    expect(questions).toHaveLength(2);
    expect(log).toEqual(['reload']);
    expect(outcomes.map((o) => [o.key, o.status, o.findings])).toEqual([
      ['reload', 'applied', ['daemon-not-reloaded@', 'daemon-not-reloaded@b']],
      ['ca:a', 'declined', ['tls-unknown-authority@a']],
    ]);
    // The preview comes before the question.
    expect(notes.indexOf('    would change reload')).toBeLessThan(notes.indexOf('  changed reload'));
  });

  it('with --fix --yes applies without asking, but leaves what needs an operator', async () => {
    const log: string[] = [];
    const outcomes = await walkFixes(
      [finding('tls-unknown-authority', 'a', fakeFix('ca:a', log, { needsOperator: 'not pinned' })), finding('http-response-to-https', 'b', fakeFix('insecure:b', log)), finding('x', 'c', fakeFix('boom', log, { fail: 'it broke' }))],
      { applyAll: true, note: () => undefined },
    );
    expect(log).toEqual(['insecure:b']);
    expect(outcomes.map((o) => [o.status, o.detail[0]])).toEqual([
      ['skipped', 'not pinned'],
      ['applied', 'changed insecure:b'],
      ['failed', 'it broke'],
    ]);
  });

  it('shows each fix being prepared and applied while it runs, never while it asks, and ends a failed one', async () => {
    const events: string[] = [];
    const progress = (label: string) => {
      events.push(`> ${label}`);
      return { update: () => undefined, done: () => void events.push(`< ${label}`) };
    };
    const ask = async () => (events.push('?'), true);
    await walkFixes([finding('a', 'r', fakeFix('reload', [])), finding('b', 'r', fakeFix('boom', [], { fail: 'it broke' }))], { applyAll: false, note: () => undefined, ask, progress });
    const title = (key: string) => fakeFix(key, []).title;
    expect(events).toEqual([
      `> preparing the fix: ${title('reload')}`,
      `< preparing the fix: ${title('reload')}`,
      '?',
      `> applying the fix: ${title('reload')}`,
      `< applying the fix: ${title('reload')}`,
      `> preparing the fix: ${title('boom')}`,
      `< preparing the fix: ${title('boom')}`,
      '?',
      `> applying the fix: ${title('boom')}`,
      `< applying the fix: ${title('boom')}`,
    ]);
  });
});

describe('rendering', () => {
  it('gives seen, cause and fix, and the JSON shape of the issue', () => {
    const f = finding('clock-skew', 'skew.example.com');
    expect(findingLines(f)).toEqual(['✗ error   clock-skew  skew.example.com', '    seen:  s', '    cause: c', '    fix:   f']);
    expect(Object.keys(findingJson(f))).toEqual(['id', 'severity', 'registry', 'seen', 'cause', 'fix', 'fixable']);
    expect(summaryLine([])).toBe('doctor: no problems found');
    expect(summaryLine([f, { ...f, severity: 'warning' }])).toBe('doctor: 1 problem, 1 warning');
  });

  it('shows before → after, including what the re-check newly found', () => {
    const before = [finding('tls-unknown-authority', 'a'), finding('clock-skew', 'b')];
    const after = [finding('clock-skew', 'b'), finding('push-refused-by-group', 'a')];
    expect(compareFindings(before, after).map(changeLine)).toEqual([
      '  error   → ok      tls-unknown-authority  a',
      '  error   → error   clock-skew  b',
      '  ok      → error   push-refused-by-group  a',
    ]);
  });
});

describe('targets', () => {
  const entry = {
    registry: 'group.example.com',
    pushRegistry: 'group.example.com:8083',
    joinedAt: '2026-01-01T00:00:00.000Z',
    runtimes: { docker: { kind: 'docker', daemonJsonPath: '/etc/docker/daemon.json', added: { mirrors: [], insecure: [] }, files: [] } },
  };

  it('collects every registry the host is set up for, once, pushing only where it logs in or joined', () => {
    const targets = collectTargets({
      journal: recordJoin(emptyJournal(), entry),
      daemonJson: { 'registry-mirrors': ['https://group.example.com', 'https://mirror.example.com/'], 'insecure-registries': ['10.0.0.0/8', 'plain.example.com:5000'] },
      certsDirs: ['group.example.com', 'group.example.com:8083', 'old.example.com:443'],
      dockerAuths: ['https://index.docker.io/v1/', 'ci.example.com'],
      dockerCredHelpers: ['group.example.com:8083'],
    });
    expect(targets.map((t) => [t.registry.hostPort, t.pushRegistry.hostPort, t.push])).toEqual([
      ['group.example.com', 'group.example.com:8083', true],
      ['mirror.example.com', 'mirror.example.com', false],
      ['plain.example.com:5000', 'plain.example.com:5000', false],
      ['old.example.com:443', 'old.example.com:443', false],
      ['ci.example.com', 'ci.example.com', true],
    ]);
    expect(targets[0]!.sources).toEqual(['regsetup journal', 'daemon.json registry-mirrors', 'certs.d']);
  });

  it('takes the push registry of a named registry from the flag, else from the journal', () => {
    const journal = recordJoin(emptyJournal(), entry);
    expect(explicitTarget('group.example.com', undefined, journal).pushRegistry.hostPort).toBe('group.example.com:8083');
    expect(explicitTarget('group.example.com', 'other.example.com', journal).pushRegistry.hostPort).toBe('other.example.com');
  });
});

describe('the pass fix', () => {
  const store: CredentialBackend = { name: 'memory', store: async () => undefined, get: async () => undefined, erase: async () => false, list: async () => ({}) };

  it('shows the config.json diff, then names regsetup\'s helper for the registries and puts the helper on PATH', async () => {
    const { fs } = memfs({ '/root/.docker/config.json': '{\n  "auths": {}\n}\n' });
    const files = nodeFiles(fs as never);
    const fix = passFix({ files, store, env: { PATH: '/usr/bin' }, root: '/', dockerConfigDir: '/root/.docker' }, ['group.example.com'])!;
    const prepared = await fix.prepare();
    expect(prepared.preview.join('\n')).toContain('+  "credHelpers": {');
    expect(prepared.warning).toMatch(/plaintext/);
    await prepared.apply();
    expect(JSON.parse(String(fs.readFileSync('/root/.docker/config.json', 'utf8'))).credHelpers).toEqual({ 'group.example.com': 'regsetup' });
    expect(fs.existsSync('/usr/local/bin/docker-credential-regsetup')).toBe(true);
  });

  it('is not offered without a registry to send', () => {
    expect(passFix({ files: nodeFiles(memfs({}).fs as never), store, env: {}, root: '/', dockerConfigDir: '/root/.docker' }, [])).toBeUndefined();
  });
});

describe('planPreview', () => {
  it('names a CA file and shows daemon.json as a diff, then how dockerd learns of it', () => {
    const plan = planJoin(snapshot({ daemonJsonText: '{\n  "debug": true\n}\n' }), desired({ mirrors: [], insecure: true }), Date.parse('2026-05-01T10:00:00Z'));
    const lines = planPreview({ operation: 'join', sessions: [], plan, replan: async () => plan });
    expect(lines[0]).toMatch(/^create \/etc\/docker\/certs.d\/nexus.example.com\/ca.crt \(trust the CA/);
    expect(lines).toContain('+  "insecure-registries": [');
    expect(lines.at(-1)).toMatch(/^dockerd: reload/);
    expect(lines.join('\n')).not.toContain('BEGIN CERTIFICATE');
  });
});
