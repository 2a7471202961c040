import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/core/digest.js';
import { planToJson, renderPlanDiff } from '../../src/core/plan-render.js';
import { isEmptyPlan, planActions, type Plan } from '../../src/core/plan-types.js';
import { afterPlan, CERTS, DAEMON_JSON, desired, dockerPart, pem, planJoin, planLeave, snapshot, failure } from './helpers/join-fixtures.js';

const NOW = Date.parse('2026-05-01T10:00:00Z');
const CA = `${CERTS}/nexus.example.com/ca.crt`;

const EXISTING = `{
    "log-driver": "journald",
    "registry-mirrors": ["https://mirror.corp.example.com/"],
    "storage-driver": "overlay2"
}
`;

const actions = (plan: Plan) => planActions(plan);
const activation = (plan: Plan) => dockerPart(plan).activation;
const warnings = (plan: Plan) => dockerPart(plan).warnings;
const docker = (entry: Record<string, unknown>) => ({ runtimes: { docker: { kind: 'docker', ...entry } } });
const writeOf = (plan: Plan, path: string) => actions(plan).find((a) => a.path === path && a.kind === 'write-file') as
  | { after: string; before?: string; mode: number }
  | undefined;

describe('planJoin', () => {
  it('fresh host: creates daemon.json and the CA, reloads, journals both', () => {
    const plan = planJoin(snapshot(), desired(), NOW);
    expect(actions(plan).map((a) => [a.kind, a.path, 'before' in a && a.before !== undefined])).toEqual([
      ['write-file', CA, false],
      ['write-file', DAEMON_JSON, false],
    ]);
    expect(writeOf(plan, DAEMON_JSON)?.after).toBe('{\n  "registry-mirrors": [\n    "https://nexus.example.com"\n  ]\n}\n');
    expect(writeOf(plan, CA)).toMatchObject({ after: pem('lab CA'), mode: 0o644 });
    expect(activation(plan)).toBe('reload');
    expect(plan.journal).toEqual({
      op: 'record',
      entry: {
        registry: 'nexus.example.com',
        joinedAt: '2026-05-01T10:00:00.000Z',
        updatedAt: '2026-05-01T10:00:00.000Z',
        ...docker({
          daemonJsonPath: DAEMON_JSON,
          added: { mirrors: ['https://nexus.example.com'], insecure: [] },
          files: [{ path: CA, sha256: sha256Hex(pem('lab CA')) }],
          createdDaemonJson: true,
          createdKeys: ['registry-mirrors'],
        }),
      },
    });
  });

  it('keeps an existing mirror, the other keys, their order and indentation', () => {
    const plan = planJoin(snapshot({ daemonJsonText: EXISTING, daemonJsonStat: { mode: 0o600, uid: 0, gid: 0 } }), desired(), NOW);
    expect(writeOf(plan, DAEMON_JSON)).toMatchObject({ before: EXISTING, mode: 0o600 });
    expect(writeOf(plan, DAEMON_JSON)?.after).toMatchInlineSnapshot(`
      "{
          "log-driver": "journald",
          "registry-mirrors": ["https://mirror.corp.example.com/", "https://nexus.example.com"],
          "storage-driver": "overlay2"
      }
      "
    `);
    expect(plan.journal?.op === 'record' && plan.journal.entry.runtimes.docker!.added).toEqual({ mirrors: ['https://nexus.example.com'], insecure: [] });
  });

  it('treats a trailing slash as the same mirror', () => {
    const text = '{ "registry-mirrors": ["https://nexus.example.com/"] }\n';
    const plan = planJoin(snapshot({ daemonJsonText: text }), desired({ caPem: undefined }), NOW);
    expect(actions(plan)).toEqual([]);
    expect(activation(plan)).toBe('none');
    expect(dockerPart(plan).unchanged).toEqual([DAEMON_JSON]);
    // Set up by hand and not on record: the journal learns of it, owning nothing it did not add.
    expect(plan.journal).toMatchObject({ op: 'record', entry: { registry: 'nexus.example.com', ...docker({ added: { mirrors: [], insecure: [] }, files: [] }) } });
  });

  it('adds the registry and the push registry as insecure, with the CA for both', () => {
    const plan = planJoin(snapshot({ daemonJsonText: EXISTING }), desired({ pushRegistry: 'nexus.example.com:8443', insecure: true, mirrors: [] }), NOW);
    expect(actions(plan).map((a) => a.path)).toEqual([CA, `${CERTS}/nexus.example.com:8443/ca.crt`, DAEMON_JSON]);
    expect(JSON.parse(writeOf(plan, DAEMON_JSON)!.after)['insecure-registries']).toEqual(['nexus.example.com', 'nexus.example.com:8443']);
  });

  it('a second identical join plans nothing at all', () => {
    const first = snapshot({ daemonJsonText: EXISTING });
    const second = planJoin(afterPlan(first, planJoin(first, desired(), NOW)), desired(), NOW + 60_000);
    expect(isEmptyPlan(second)).toBe(true);
    expect(actions(second)).toEqual([]);
    expect(activation(second)).toBe('none');
    expect(dockerPart(second).unchanged).toEqual([CA, DAEMON_JSON]);
    expect(renderPlanDiff(second)).toBe('nexus.example.com: already up to date.\n');
  });

  it('keeps the same CA when it is already there, wrapped differently', () => {
    const rewrapped = pem('lab CA').replace('\n-----END', '\r\n-----END');
    const plan = planJoin(snapshot({ existingCaFiles: { 'nexus.example.com': { 'ca.crt': rewrapped } } }), desired(), NOW);
    expect(actions(plan).map((a) => a.path)).toEqual([DAEMON_JSON]);
    expect(plan.journal?.op === 'record' && plan.journal.entry.runtimes.docker!.files).toEqual([]);
  });

  it('refuses a key dockerd already takes as a flag, naming flag and source', () => {
    const source = '/lib/systemd/system/docker.service ExecStart';
    const error = failure(() =>
      planJoin(snapshot({ flagSources: [{ key: 'insecure-registries', flag: '--insecure-registry', value: '10.0.0.0/8', source }] }), desired({ insecure: true }), NOW),
    );
    expect(error.code).toBe('ERR_FLAG_CONFLICT');
    expect(error.exitCode).toBe(4);
    expect(error.message).toContain(`--insecure-registry=10.0.0.0/8 from ${source}`);
  });

  it('does not refuse a flag for a key it does not write', () => {
    const flagSources = [{ key: 'hosts', flag: '-H', value: 'fd://', source: 'argv of pid 7' }];
    expect(activation(planJoin(snapshot({ flagSources }), desired(), NOW))).toBe('reload');
  });

  it('refuses to replace a CA it did not install, showing both fingerprints', () => {
    const host = snapshot({ existingCaFiles: { 'nexus.example.com': { 'ca.crt': pem('old CA') } } });
    const error = failure(() => planJoin(host, desired(), NOW));
    expect(error.code).toBe('ERR_CA_CONFLICT');
    expect(error.exitCode).toBe(4);
    expect(error.message).toMatch(/\(sha256:[0-9A-F:]{95}\).*with sha256:[0-9A-F:]{95}$/);
  });

  it('replaces a CA it installed itself (rotation)', () => {
    const joined = afterPlan(snapshot(), planJoin(snapshot(), desired({ caPem: pem('old CA') }), NOW));
    const plan = planJoin(joined, desired({ caPem: pem('new CA') }), NOW + 1);
    expect(writeOf(plan, CA)).toMatchObject({ before: pem('old CA'), after: pem('new CA') });
    expect(plan.journal?.op === 'record' && plan.journal.entry).toMatchObject({
      joinedAt: '2026-05-01T10:00:00.000Z',
      ...docker({ files: [{ path: CA, sha256: sha256Hex(pem('new CA')) }] }),
    });
  });

  it('a CA rotation: the new CA goes next to the old one, then replaces it once the old pin is dropped', () => {
    const joined = afterPlan(snapshot(), planJoin(snapshot(), desired({ caPem: pem('old CA') }), NOW));
    const staged = planJoin(joined, desired({ caPems: [pem('old CA'), pem('new CA')] }), NOW + 1);
    const extra = actions(staged).find((a) => /\/ca-[0-9a-f]{12}\.crt$/.test(a.path))!;
    expect(actions(staged).map((a) => [a.kind, a.path])).toEqual([['write-file', extra.path]]);
    expect(activation(staged)).toBe('none');
    const rotating = afterPlan(joined, staged);
    const finished = planJoin(rotating, desired({ caPem: pem('new CA') }), NOW + 2);
    expect(actions(finished).map((a) => [a.kind, a.path])).toEqual([['write-file', CA], ['remove-file', extra.path]]);
    expect(writeOf(finished, CA)).toMatchObject({ before: pem('old CA'), after: pem('new CA') });
    const done = afterPlan(rotating, finished);
    expect(done.existingCaFiles['nexus.example.com']).toEqual({ 'ca.crt': pem('new CA') });
    expect(isEmptyPlan(planJoin(done, desired({ caPem: pem('new CA') }), NOW + 3))).toBe(true);
  });

  it.each([
    { name: 'auto reloads', restart: 'auto', dockerd: {}, daemon: 'reload', warning: undefined },
    { name: 'restart warns about running containers', restart: 'restart', dockerd: { runningContainers: 3 }, daemon: 'restart', warning: /stops the 3 running containers/ },
    { name: 'restart with live-restore does not warn', restart: 'restart', dockerd: { runningContainers: 3, liveRestore: true }, daemon: 'restart', warning: undefined },
    { name: 'never leaves it for later', restart: 'never', dockerd: {}, daemon: 'none', warning: /not live/ },
    { name: 'a stopped dockerd is not signalled', restart: 'auto', dockerd: { running: false }, daemon: 'none', warning: /not running/ },
  ] as const)('daemon action: $name', ({ restart, dockerd, daemon, warning }) => {
    const host = snapshot({ dockerd: { ...snapshot().dockerd, ...dockerd } });
    const plan = planJoin(host, desired({ restart }), NOW);
    expect(activation(plan)).toBe(daemon);
    if (warning === undefined) expect(warnings(plan)).toEqual([]);
    else expect(warnings(plan).join('\n')).toMatch(warning);
  });

  it('a CA-only change does not signal dockerd (certs.d is read at every pull)', () => {
    const host = snapshot({ daemonJsonText: '{"registry-mirrors": ["https://nexus.example.com"]}' });
    expect(activation(planJoin(host, desired(), NOW))).toBe('none');
  });

  it('refuses to write entries dockerd would refuse', () => {
    const host = snapshot({ daemonJsonText: '{"registry-mirrors": ["ftp://bad.example.com"]}' });
    expect(failure(() => planJoin(host, desired({ mirrors: ['https://other.example.com'] }), NOW)).code).toBe('ERR_DAEMON_JSON_INVALID');
  });

  it('renders a unified diff and the daemon action', () => {
    const text = renderPlanDiff(planJoin(snapshot({ daemonJsonText: EXISTING }), desired(), NOW));
    expect(text).toContain(`--- /dev/null\n+++ ${CA}`);
    expect(text).toContain(`-    "registry-mirrors": ["https://mirror.corp.example.com/"],\n+    "registry-mirrors": ["https://mirror.corp.example.com/", "https://nexus.example.com"],\n`);
    expect(text).toContain('dockerd: reload (SIGHUP');
    const json = planToJson(planJoin(snapshot(), desired(), NOW));
    expect(json).toMatchObject({ registry: 'nexus.example.com', upToDate: false, runtimes: [{ runtime: 'docker', activation: 'reload' }] });
    expect((json.actions as Array<{ change: string; mode: string }>).map((a) => [a.change, a.mode])).toEqual([['created', '0644'], ['created', '0644']]);
  });
});

describe('planLeave', () => {
  const before = snapshot({ daemonJsonText: EXISTING });
  const joined = afterPlan(before, planJoin(before, desired({ insecure: true, pushRegistry: 'push.example.com' }), NOW));

  it('undoes what join added and keeps what was there before', () => {
    const plan = planLeave(joined, 'nexus.example.com', NOW);
    const left = afterPlan(joined, plan);
    expect(JSON.parse(left.daemonJsonText!)).toEqual({ ...JSON.parse(EXISTING), 'insecure-registries': [] });
    expect(left.existingCaFiles).toEqual({ 'nexus.example.com': {}, 'push.example.com': {} });
    expect(left.journal?.registries).toEqual({});
    expect(activation(plan)).toBe('reload');
    // And joining again from there works, with nothing of the first join left over.
    expect(actions(planJoin(left, desired(), NOW))).toHaveLength(2);
  });

  it('removes a daemon.json join created, once dockerd has seen it emptied', () => {
    const bare = snapshot({ daemonJsonText: undefined });
    const joinPlan = planJoin(bare, desired(), NOW);
    expect(joinPlan.journal).toMatchObject({ op: 'record', entry: docker({ createdDaemonJson: true }) });
    const plan = planLeave(afterPlan(bare, joinPlan), 'nexus.example.com', NOW);
    const emptied = writeOf(plan, DAEMON_JSON)!.after;
    expect(JSON.parse(emptied)).toEqual({ 'registry-mirrors': [] });
    expect(dockerPart(plan).cleanup).toEqual([{ path: DAEMON_JSON, ifContent: emptied, encoding: 'latin1', reason: expect.stringContaining('join created it') }]);
    expect(renderPlanDiff(plan)).toContain(`remove ${DAEMON_JSON}`);
  });

  it('keeps a daemon.json join created once someone else put a setting in it, without the list join added', () => {
    const bare = snapshot({ daemonJsonText: undefined });
    const joined = afterPlan(bare, planJoin(bare, desired(), NOW));
    const edited = { ...joined, daemonJsonText: joined.daemonJsonText!.replace('{', '{\n  "debug": true,') };
    const plan = planLeave(edited, 'nexus.example.com', NOW);
    const emptied = writeOf(plan, DAEMON_JSON)!.after;
    expect(emptied).toBe('{\n  "debug": true,\n  "registry-mirrors": []\n}\n');
    // dockerd is shown the emptied list first (an absent key keeps its value on SIGHUP), then the list goes.
    expect(dockerPart(plan).cleanup).toEqual([{ path: DAEMON_JSON, ifContent: emptied, encoding: 'latin1', after: '{\n  "debug": true\n}\n', reason: expect.stringContaining('join added the lists') }]);
  });

  it('gives a daemon.json that was there back byte for byte once the lists join added are empty again', () => {
    const before = '{\r\n\t"log-driver": "journald",\r\n\t"insecure-registries": ["10.0.0.0/8"]\r\n}';
    const had = snapshot({ daemonJsonText: before });
    const plan = planJoin(had, desired({ insecure: true }), NOW);
    expect(plan.journal).toMatchObject({ op: 'record', entry: docker({ createdKeys: ['registry-mirrors'] }) });
    const leave = dockerPart(planLeave(afterPlan(had, plan), 'nexus.example.com', NOW));
    expect(leave.cleanup).toEqual([expect.objectContaining({ after: before })]);
  });

  it('keeps an entry the user had before join', () => {
    const mine = snapshot({ daemonJsonText: '{"registry-mirrors": ["https://nexus.example.com"]}' });
    const plan = planLeave(afterPlan(mine, planJoin(mine, desired(), NOW)), 'nexus.example.com', NOW);
    expect(actions(plan).map((a) => [a.kind, a.path])).toEqual([['remove-file', CA]]);
    expect(activation(plan)).toBe('none');
  });

  it('leaves a CA alone that was changed by hand after join', () => {
    const edited = { ...joined, existingCaFiles: { ...joined.existingCaFiles, 'nexus.example.com': { 'ca.crt': pem('hand made') } } };
    const plan = planLeave(edited, 'nexus.example.com', NOW);
    expect(actions(plan).map((a) => a.path)).toEqual([`${CERTS}/push.example.com/ca.crt`, DAEMON_JSON]);
    expect(warnings(plan).join('\n')).toContain(`${CA} was changed after join`);
  });

  it('restores a file join replaced from its backup', () => {
    const journal = structuredClone(joined.journal!);
    const backupPath = '/var/lib/regsetup/backups/t/ca.crt';
    journal.registries['nexus.example.com']!.runtimes.docker!.files[0]!.previous = { backupPath, sha256: sha256Hex(pem('older CA')) };
    const plan = planLeave({ ...joined, journal, backups: { [backupPath]: pem('older CA') } }, 'nexus.example.com', NOW);
    expect(writeOf(plan, CA)).toMatchObject({ before: pem('lab CA'), after: pem('older CA') });
  });

  it('refuses a registry it never joined, pointing at status', () => {
    const error = failure(() => planLeave(joined, 'other.example.com', NOW));
    expect(error.code).toBe('ERR_NOT_MANAGED');
    expect(error.exitCode).toBe(2);
    expect(error.hint).toContain('regsetup status');
  });
});
