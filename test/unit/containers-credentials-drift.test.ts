import { describe, expect, it } from 'vitest';
import { planActions } from '../../src/core/plan-types.js';
import { lineOfPath } from '../../src/runtimes/containers/toml-text.js';
import {
  afterContainersPlan,
  AUTH,
  containersSnapshot,
  CONTAINERS_CERTS,
  DROP_IN,
  driftOf,
  part,
  planJoinContainers,
  planLeaveContainers,
  text,
  writeOf,
  type TestContainersSnapshot,
} from './helpers/containers-fixtures.js';
import { desired, failure, pem } from './helpers/join-fixtures.js';

const NOW = Date.parse('2026-05-01T10:00:00Z');
const CA = `${CONTAINERS_CERTS}/nexus.example.com/ca.crt`;
const withCredentials = (overrides: Parameters<typeof desired>[0] = {}) => ({ ...desired(overrides), credentialHelper: true });

describe('the containers auth file (credHelpers → docker-credential-regsetup)', () => {
  it('creates ~/.config/containers/auth.json 0600 with credHelpers only, for the registry and the push registry', () => {
    const plan = planJoinContainers(containersSnapshot(), withCredentials({ pushRegistry: 'nexus.example.com:8443' }), NOW);
    const write = writeOf(plan, AUTH)!;
    expect(AUTH).toBe('/root/.config/containers/auth.json');
    expect(write.mode).toBe(0o600);
    expect(JSON.parse(write.after)).toEqual({ credHelpers: { 'nexus.example.com': 'regsetup', 'nexus.example.com:8443': 'regsetup' } });
    expect(write.after).not.toContain('"auth"');
    expect(write.secret).toBeUndefined();
    expect(plan.journal?.op === 'record' && plan.journal.entry.runtimes.containers!.authFile).toEqual({ path: AUTH, keys: ['nexus.example.com', 'nexus.example.com:8443'], created: true });
  });

  it('without credentials the auth file is not touched', () => {
    expect(planActions(planJoinContainers(containersSnapshot(), desired(), NOW)).map((a) => a.path)).not.toContain(AUTH);
  });

  it('keeps other logins, hides the diff (it holds secrets), and puts a replaced helper back on leave', () => {
    const existing = '{\n\t"auths": {\n\t\t"quay.io": {\n\t\t\t"auth": "dXNlcjpwYXNz"\n\t\t}\n\t},\n\t"credHelpers": {\n\t\t"nexus.example.com": "pass"\n\t}\n}';
    const s = containersSnapshot({ authFile: text(existing, 0o600) });
    const plan = planJoinContainers(s, withCredentials({ caPem: undefined }), NOW);
    const write = writeOf(plan, AUTH)!;
    expect(write.secret).toBe(true);
    expect(JSON.parse(write.after)).toEqual({ auths: { 'quay.io': { auth: 'dXNlcjpwYXNz' } }, credHelpers: { 'nexus.example.com': 'regsetup' } });
    expect(part(plan).warnings.join('\n')).toContain('sent nexus.example.com to docker-credential-pass');
    const leave = planLeaveContainers(afterContainersPlan(s, plan), 'nexus.example.com', NOW + 1);
    expect((leave.runtimes[0]!.actions.find((a) => a.path === AUTH) as { after: string }).after).toBe(existing);
  });

  it('leave removes a file regsetup created once nothing else is in it', () => {
    const s0 = containersSnapshot();
    const s1 = afterContainersPlan(s0, planJoinContainers(s0, withCredentials(), NOW));
    expect(planActions(planLeaveContainers(s1, 'nexus.example.com', NOW + 1)).map((a) => [a.kind, a.path])).toEqual([
      ['remove-file', CA],
      ['remove-file', DROP_IN],
      ['remove-file', AUTH],
    ]);
  });

  it('warns that podman login\'s per-boot file answers first', () => {
    const runtimeAuth = [{ path: '/run/containers/0/auth.json', file: text('{"auths":{"nexus.example.com":{"auth":"eDp5"}}}') }];
    const plan = planJoinContainers(containersSnapshot({ runtimeAuth }), withCredentials(), NOW);
    expect(part(plan).warnings.join('\n')).toContain('/run/containers/0/auth.json (podman login\'s file, until reboot) answers for nexus.example.com first');
  });

  it.each([
    ['malformed JSON', '{\n  "credHelpers": {\n    "a": "b",\n  }\n}', /auth\.json is not valid JSON: a trailing comma .* at line 4 column 3/],
    ['a wrong type', '{\n  "credHelpers": {\n    "a": 5\n  }\n}', /auth\.json: credHelpers\.a: .* at line 3/],
    ['an array', '[]', /auth\.json must hold a JSON object at the top level/],
  ])('refuses %s in the auth file (exit 4, line named)', (_name, content, message) => {
    const error = failure(() => planJoinContainers(containersSnapshot({ authFile: text(content) }), withCredentials(), NOW));
    expect(error.exitCode).toBe(4);
    expect(error.message).toMatch(message);
  });

  it('refuses a symlinked auth file', () => {
    expect(failure(() => planJoinContainers(containersSnapshot({ authFile: { state: 'symlink', target: '/root/.docker/config.json' } }), withCredentials(), NOW)).code).toBe('ERR_CONTAINERS_FILE_SYMLINK');
  });
});

describe('containersDrift', () => {
  const joined = (): TestContainersSnapshot => {
    const s0 = containersSnapshot();
    return afterContainersPlan(s0, planJoinContainers(s0, withCredentials(), NOW));
  };
  const editDropIn = (s: TestContainersSnapshot, edit: (t: string) => string): TestContainersSnapshot => ({
    ...s,
    dropIns: s.dropIns.map((d) => (d.path === DROP_IN && d.file.state === 'text' ? { ...d, file: text(edit(d.file.text)) } : d)),
  });

  it('nothing moved: no drift', () => {
    expect(driftOf(joined(), 'nexus.example.com')).toEqual([]);
  });

  it.each([
    ['an entry removed by hand', (s: TestContainersSnapshot) => editDropIn(s, (t) => t.replace(/\[\[registry\]\]\nprefix = "nexus.example.com"\nlocation = "nexus.example.com"\n/, '')), ['entry nexus.example.com was removed from /etc/containers/registries.conf.d/50-regsetup.conf']],
    ['a mirror removed by hand', (s: TestContainersSnapshot) => editDropIn(s, (t) => t.replace(/\[\[registry\.mirror\]\]\nlocation = "nexus.example.com"\n/, '')), ['mirror nexus.example.com of docker.io was removed from /etc/containers/registries.conf.d/50-regsetup.conf']],
    ['the drop-in deleted', (s: TestContainersSnapshot) => ({ ...s, dropIns: s.dropIns.filter((d) => d.path !== DROP_IN) }), [`${DROP_IN} is missing (it held nexus.example.com, docker.io)`]],
    ['the drop-in broken', (s: TestContainersSnapshot) => editDropIn(s, (t) => `${t}[[registry\n`), [expect.stringMatching(/cannot be read: .* is not valid TOML/)]],
    ['the CA changed', (s: TestContainersSnapshot) => ({ ...s, certs: { 'nexus.example.com': { containers: { 'ca.crt': pem('other') } } } }), [`${CA} is changed`]],
    ['the CA gone', (s: TestContainersSnapshot) => ({ ...s, certs: {} }), [`${CA} is missing`]],
    ['the credHelpers entry removed', (s: TestContainersSnapshot) => ({ ...s, authFile: text('{}') }), [`credHelpers entry nexus.example.com of ${AUTH} was removed`]],
  ])('%s', (_name, change, what) => {
    expect(driftOf(change(joined()), 'nexus.example.com').map((d) => d.what)).toEqual(what);
  });
});

describe('lineOfPath', () => {
  const doc = '# x\nshort-name-mode = "enforcing"\n\n[[registry]]\nprefix = "a"\n\n[[registry.mirror]]\nlocation = "m1"\n\n[[registry]]\nprefix = "b"\n[[registry.mirror]]\nlocation = "m2"\n[[registry.mirror]]\nlocation = "m3"\n\n[aliases]\n"x" = "y"\n';
  it.each([
    [['short-name-mode'], 2],
    [['registry', 0, 'prefix'], 5],
    [['registry', 0, 'mirror', 0, 'location'], 8],
    [['registry', 1], 10],
    [['registry', 1, 'mirror', 1, 'location'], 15],
    [['aliases'], 17],
    [['registry', 2], undefined],
  ] as const)('%j is on line %s', (path, line) => {
    expect(lineOfPath(doc, path)).toBe(line);
  });

  it('names the key holding an inline array of tables', () => {
    expect(lineOfPath('a = 1\nregistry = [{ prefix = 5 }]\n', ['registry', 0, 'prefix'])).toBe(2);
  });
});
