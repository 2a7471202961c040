import { memfs } from 'memfs';
import { describe, expect, it, vi } from 'vitest';
import { applyPlan, type ApplyPorts } from '../../src/apply/apply.js';
import type { RegsetupError } from '../../src/core/errors.js';
import { parseJournal } from '../../src/core/journal.js';
import { planActions } from '../../src/core/plan-types.js';
import type { DockerdProcess } from '../../src/host/dockerd.js';
import { nodeFiles, type Files, type LockOptions } from '../../src/host/files.js';
import type { Processes } from '../../src/host/processes.js';
import { dockerSession } from '../../src/runtimes/docker/session.js';
import type { HostPorts } from '../../src/runtimes/types.js';
import { dockerdProcess } from '../fakes/dockerd-process.js';
import { fakeDockerApi } from '../fakes/fake-docker-api.js';
import { CERTS, DAEMON_JSON, desired, pem, planJoin, planLeave, type TestSnapshot } from './helpers/join-fixtures.js';

const NOW = Date.parse('2026-05-01T10:00:00Z');
const STATE = '/var/lib/regsetup';
const CA = `${CERTS}/nexus.example.com/ca.crt`;
// Tabs, CRLF and no final newline: a rollback must give back these exact bytes.
const EXISTING = '{\r\n\t"log-driver": "journald",\r\n\t"registry-mirrors": ["https://mirror.corp.example.com"]\r\n}';
const DOCKERD: DockerdProcess = dockerdProcess({ configFile: DAEMON_JSON });

function host(tree: Record<string, string> = { [DAEMON_JSON]: EXISTING }, lock: LockOptions = { pollMs: 1 }) {
  const { fs, vol } = memfs(tree);
  const files = nodeFiles(fs, lock);
  let t = NOW;
  const docker = fakeDockerApi({ info: { runningContainers: 1 } });
  const events: string[] = [];
  let accepts = true;
  // The fake dockerd: on SIGHUP it takes daemon.json's registry settings, unless told to refuse.
  const takeConfig = () => {
    const config = JSON.parse(String(fs.existsSync(DAEMON_JSON) ? fs.readFileSync(DAEMON_JSON, 'utf8') : '{}')) as Record<string, string[]>;
    docker.infoValue.mirrors = (config['registry-mirrors'] ?? []).map((m) => `${m}/`);
    docker.infoValue.indexConfigs = { 'docker.io': { secure: true, mirrors: docker.infoValue.mirrors } };
    for (const h of config['insecure-registries'] ?? []) docker.infoValue.indexConfigs[h] = { secure: false, mirrors: [] };
  };
  takeConfig();
  const reload = vi.fn(() => {
    events.push('reload');
    if (accepts) takeConfig();
  });
  const processes: Processes = {
    run: async () => ({ exitCode: 0, stdout: '', stderr: '', timedOut: false }),
    sendSignal: () => reload(),
    isAlive: () => true,
  };
  const hostPorts: HostPorts = { root: '/', files, processes, clock: { now: () => t }, sleep: async (ms) => void (t += ms), env: {} };
  const session = dockerSession(hostPorts, docker, { info: docker.infoValue }, DOCKERD, { id: 'docker', label: 'dockerd', daemonJsonPath: DAEMON_JSON, certsDir: CERTS });
  const ports = (name = ''): ApplyPorts => ({
    files,
    sessions: new Map([['docker', session]]),
    clock: { now: () => t },
    sleep: async (ms) => void (t += ms),
    log: (line) => events.push(`${name}${line}`),
  });
  const snap = async (hostPorts: string[] = ['nexus.example.com']): Promise<TestSnapshot> => {
    const journal = parseJournal(String(fs.existsSync(`${STATE}/state.json`) ? fs.readFileSync(`${STATE}/state.json`, 'utf8') : ''));
    return { ...(await session.snapshot(hostPorts, journal)), journal };
  };
  return { fs, vol, files, docker, events, reload, ports, snap, refuse: () => (accepts = false) };
}

const opts = { stateDir: STATE, settleTimeoutMs: () => 5_000 };

async function failure(promise: Promise<unknown>): Promise<RegsetupError> {
  try {
    await promise;
  } catch (error) {
    return error as RegsetupError;
  }
  throw new Error('expected a failure');
}

describe('applyPlan', () => {
  it('backs up, journals, writes with the old mode, reloads and confirms', async () => {
    const h = host();
    h.fs.chmodSync(DAEMON_JSON, 0o640);
    const plan = planJoin(await h.snap(), desired(), NOW);
    const report = await applyPlan(plan, h.ports(), opts);

    expect(report.changes).toEqual([{ path: CA, change: 'created', runtime: 'docker' }, { path: DAEMON_JSON, change: 'modified', runtime: 'docker' }]);
    expect(report.runtimes).toEqual([{ runtime: 'docker', label: 'dockerd', activation: 'reload', activated: true }]);
    expect(h.fs.readFileSync(DAEMON_JSON, 'utf8')).toBe((planActions(plan)[1] as { after: string }).after);
    expect(h.fs.statSync(DAEMON_JSON).mode & 0o7777).toBe(0o640);
    expect(h.fs.statSync(CA).mode & 0o7777).toBe(0o644);
    expect(h.fs.readFileSync(`${STATE}/backups/2026-05-01T10-00-00.000Z${DAEMON_JSON}`, 'utf8')).toBe(EXISTING);
    const journal = parseJournal(String(h.fs.readFileSync(`${STATE}/state.json`, 'utf8')));
    expect(journal.registries['nexus.example.com']?.runtimes.docker?.added).toEqual({ mirrors: ['https://nexus.example.com'], insecure: [] });
    expect(h.fs.existsSync(`${STATE}/lock`)).toBe(false);
    expect(h.reload).toHaveBeenCalledTimes(1);
    expect(h.docker.infoValue.mirrors).toContain('https://nexus.example.com/');
  });

  it('leave removes a daemon.json join created, only after dockerd showed the emptied one', async () => {
    const h = host({});
    await applyPlan(planJoin(await h.snap(), desired(), NOW), h.ports(), opts);
    expect(h.docker.infoValue.mirrors).toEqual(['https://nexus.example.com/']);
    const report = await applyPlan(planLeave(await h.snap(), 'nexus.example.com', NOW), h.ports(), opts);
    expect(h.fs.existsSync(DAEMON_JSON)).toBe(false);
    expect(h.docker.infoValue.mirrors).toEqual([]); // the reload saw "registry-mirrors": [] before the file went
    expect(report.changes).toContainEqual({ path: DAEMON_JSON, change: 'removed', runtime: 'docker' });
    expect(h.events.indexOf('reload', h.events.lastIndexOf('reload'))).toBeLessThan(h.events.findIndex((e) => e.startsWith(`removed ${DAEMON_JSON}`)));
  });

  it('an empty plan touches nothing: no lock, no journal, no signal', async () => {
    const h = host();
    await applyPlan(planJoin(await h.snap(), desired(), NOW), h.ports(), opts);
    const before = h.vol.toJSON();
    const calls = h.docker.calls.length;
    const plan = planJoin(await h.snap(), desired(), NOW);
    const report = await applyPlan(plan, h.ports(), opts);
    expect(report.changes).toEqual([{ path: CA, change: 'unchanged', runtime: 'docker' }, { path: DAEMON_JSON, change: 'unchanged', runtime: 'docker' }]);
    expect(report.runtimes).toEqual([{ runtime: 'docker', label: 'dockerd', activation: 'none', activated: false }]);
    expect(h.vol.toJSON()).toEqual(before);
    expect(h.docker.calls.length).toBe(calls);
    expect(h.reload).toHaveBeenCalledTimes(1);
  });

  it('a reload the daemon rejects is rolled back byte for byte, exit 5', async () => {
    const journalBefore = '{"version": 2, "registries": {}}';
    const h = host({ [DAEMON_JSON]: EXISTING, [`${STATE}/state.json`]: journalBefore });
    h.refuse();
    const error = await failure(applyPlan(planJoin(await h.snap(), desired(), NOW), h.ports(), opts));

    expect(error.code).toBe('ERR_APPLY_ROLLED_BACK');
    expect(error.exitCode).toBe(5);
    expect(error.message).toContain('mirrors are [https://mirror.corp.example.com], expected [https://mirror.corp.example.com, https://nexus.example.com]');
    expect(h.fs.readFileSync(DAEMON_JSON, 'utf8')).toBe(EXISTING);
    expect(h.fs.existsSync(CA)).toBe(false);
    expect(h.fs.readFileSync(`${STATE}/state.json`, 'utf8')).toBe(journalBefore);
    expect(h.reload).toHaveBeenCalledTimes(2);
  });

  it('a failed write is rolled back without signalling dockerd', async () => {
    const h = host({ [DAEMON_JSON]: EXISTING });
    let full = true;
    const broken: Files = {
      ...h.files,
      // The disk is full for the first daemon.json write only, so the restore can succeed.
      writeAtomic: async (path, data, options) => {
        if (path === DAEMON_JSON && full) {
          full = false;
          throw new Error('ENOSPC: no space left on device');
        }
        return h.files.writeAtomic(path, data, options);
      },
    };
    const plan = planJoin(await h.snap(), desired(), NOW);
    const error = await failure(applyPlan(plan, { ...h.ports(), files: broken }, opts));
    expect([error.code, error.exitCode]).toEqual(['ERR_APPLY_ROLLED_BACK', 5]);
    expect(error.message).toContain('ENOSPC');
    expect(h.fs.existsSync(CA)).toBe(false);
    expect(h.fs.existsSync(`${STATE}/state.json`)).toBe(false);
    expect(h.reload).not.toHaveBeenCalled();
  });

  it('the lock keeps two runs apart; without a re-plan the later one refuses its stale plan', async () => {
    const h = host();
    const snapshot = await h.snap();
    const first = planJoin(snapshot, desired(), NOW);
    const second = planJoin(snapshot, desired({ registry: 'other.example.com', mirrors: ['https://other.example.com'], caPem: undefined }), NOW);
    const results = await Promise.allSettled([
      applyPlan(first, h.ports('A: '), opts),
      applyPlan(second, h.ports('B: '), opts).catch((error: RegsetupError) => {
        h.events.push(`B: ${error.code}`);
        throw error;
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(h.events.map((e) => e.replace(/:.*/, ''))).toEqual(['A', 'A', 'A', 'reload', 'A', 'B']);
    expect(h.events.at(-1)).toBe('B: ERR_PLAN_STALE');
    expect(Object.keys(parseJournal(String(h.fs.readFileSync(`${STATE}/state.json`, 'utf8'))).registries)).toEqual(['nexus.example.com']);
  });

  it('waits for a lock another process holds, then refuses with nothing changed', async () => {
    const h = host({ [DAEMON_JSON]: EXISTING, [`${STATE}/lock`]: `${process.ppid}\n` }, { pollMs: 1, timeoutMs: 20 });
    const error = await failure(applyPlan(planJoin(await h.snap(), desired(), NOW), h.ports(), opts));
    expect(error.code).toBe('ERR_LOCKED');
    expect(h.fs.readFileSync(DAEMON_JSON, 'utf8')).toBe(EXISTING);
    expect(h.fs.existsSync(CA)).toBe(false);
  });

  it('with a re-plan under the lock, concurrent joins of different registries all land', async () => {
    const h = host();
    const registries = ['nexus.example.com', 'a.example.com', 'b.example.com', 'c.example.com'];
    const want = (r: string) => desired({ registry: r, mirrors: [`https://${r}`], caPem: pem(`CA of ${r}`) });
    const plans = await Promise.all(registries.map(async (r) => planJoin(await h.snap([r]), want(r), NOW)));
    const results = await Promise.allSettled(
      plans.map((plan, i) => applyPlan(plan, h.ports(), { ...opts, replan: async () => planJoin(await h.snap([registries[i]!]), want(registries[i]!), NOW) })),
    );
    expect(results.map((r) => r.status)).toEqual(registries.map(() => 'fulfilled'));
    const mirrors = JSON.parse(String(h.fs.readFileSync(DAEMON_JSON, 'utf8')))['registry-mirrors'];
    expect(mirrors).toEqual(['https://mirror.corp.example.com', ...registries.map((r) => `https://${r}`)]);
    expect(Object.keys(parseJournal(String(h.fs.readFileSync(`${STATE}/state.json`, 'utf8'))).registries).sort()).toEqual([...registries].sort());
    for (const r of registries) expect(h.fs.readFileSync(`${CERTS}/${r}/ca.crt`, 'utf8')).toBe(pem(`CA of ${r}`));
  });

  it('refuses a restart it has no way to do, before touching anything', async () => {
    const h = host({ [DAEMON_JSON]: '{"registry-mirrors": ["https://nexus.example.com"]}' });
    const snap = await h.snap();
    // A key only a restart applies: there is no service manager in this fake host.
    const failing = () => planJoin({ ...snap, daemonJsonText: '{}', dockerd: { ...snap.dockerd, canRestart: false } }, desired({ restart: 'restart' }), NOW);
    expect(() => failing()).toThrow(expect.objectContaining({ code: 'ERR_NO_RESTART' }));
    expect(h.fs.existsSync(STATE)).toBe(false);
  });

  it('join then leave gives back the original settings and removes only what join installed', async () => {
    const h = host({ [DAEMON_JSON]: EXISTING, [`${CERTS}/nexus.example.com/client.cert`]: 'mine' });
    await applyPlan(planJoin(await h.snap(), desired({ mirrors: ['https://nexus.example.com', 'https://mirror.corp.example.com'] }), NOW), h.ports(), opts);
    const report = await applyPlan(planLeave(await h.snap(), 'nexus.example.com', NOW), h.ports(), opts);

    expect(report.changes).toEqual([{ path: CA, change: 'removed', runtime: 'docker' }, { path: DAEMON_JSON, change: 'modified', runtime: 'docker' }]);
    expect(report.runtimes[0]).toMatchObject({ activation: 'reload', activated: true });
    expect(JSON.parse(String(h.fs.readFileSync(DAEMON_JSON, 'utf8')))).toEqual(JSON.parse(EXISTING));
    expect(h.fs.readdirSync(`${CERTS}/nexus.example.com`)).toEqual(['client.cert']);
    expect(parseJournal(String(h.fs.readFileSync(`${STATE}/state.json`, 'utf8'))).registries).toEqual({});
    expect(h.docker.infoValue.mirrors).toEqual(['https://mirror.corp.example.com/']);
  });

  it('remembers a CA it took over from another joined registry, and leave puts it back', async () => {
    const h = host();
    await applyPlan(planJoin(await h.snap(['nexus.example.com', 'push.example.com']), desired({ pushRegistry: 'push.example.com' }), NOW), h.ports(), opts);
    const push = desired({ registry: 'push.example.com', mirrors: [], caPem: pem('rotated CA') });
    await applyPlan(planJoin(await h.snap(['push.example.com']), push, NOW + 1000), h.ports(), opts);

    const previous = parseJournal(String(h.fs.readFileSync(`${STATE}/state.json`, 'utf8'))).registries['push.example.com']?.runtimes.docker?.files[0]?.previous;
    // Same clock reading as the first run: the second backup directory gets a suffix instead of mixing in.
    expect(previous?.backupPath).toBe(`${STATE}/backups/2026-05-01T10-00-00.000Z-2${CERTS}/push.example.com/ca.crt`);
    expect(h.fs.readFileSync(previous!.backupPath, 'utf8')).toBe(pem('lab CA'));

    // nexus leaving does not remove the file push.example.com now owns; push leaving restores nexus's CA.
    await applyPlan(planLeave(await h.snap(), 'nexus.example.com', NOW + 2000), h.ports(), opts);
    expect(h.fs.readFileSync(`${CERTS}/push.example.com/ca.crt`, 'utf8')).toBe(pem('rotated CA'));
    await applyPlan(planLeave(await h.snap(['push.example.com']), 'push.example.com', NOW + 3000), h.ports(), opts);
    expect(h.fs.readFileSync(`${CERTS}/push.example.com/ca.crt`, 'utf8')).toBe(pem('lab CA'));
  });

  // A reload and the wait until dockerd shows it (up to 90 s for a restart) are shown while they run, never silent.
  const shown = (events: string[]) => (label: string) => {
    events.push(`> ${label}`);
    return { update: () => undefined, done: () => void events.push(`< ${label}`) };
  };

  it('shows the reload and the wait for dockerd to show the change while each runs', async () => {
    const h = host();
    await applyPlan(planJoin(await h.snap(), desired(), NOW), { ...h.ports(), progress: shown(h.events) }, opts);
    const spans = h.events.filter((e) => /^[<>] /.test(e) || e === 'reload');
    expect(spans).toEqual(['> reloading dockerd', 'reload', '< reloading dockerd', '> waiting for dockerd to show the new settings', '< waiting for dockerd to show the new settings']);
  });

  it('shows the rollback\'s reload and wait too, and ends every span of a failed run', async () => {
    const h = host();
    h.refuse();
    await failure(applyPlan(planJoin(await h.snap(), desired(), NOW), { ...h.ports(), progress: shown(h.events) }, opts));
    const spans = h.events.filter((e) => /^[<>] /.test(e));
    expect(spans).toEqual([
      '> reloading dockerd',
      '< reloading dockerd',
      '> waiting for dockerd to show the new settings',
      '< waiting for dockerd to show the new settings',
      '> reloading dockerd',
      '< reloading dockerd',
      '> waiting for dockerd to show its previous settings',
      '< waiting for dockerd to show its previous settings',
    ]);
  });

  it('writes under --root', async () => {
    const h = host({ [`/scratch${DAEMON_JSON}`]: EXISTING });
    const plan = planJoin(
      { ...(await h.snap()), daemonJsonText: EXISTING, daemonJsonStat: { mode: 0o644, uid: 0, gid: 0 } },
      desired({ caPem: undefined, restart: 'never' }),
      NOW,
    );
    await applyPlan(plan, h.ports(), { ...opts, root: '/scratch' });
    expect(h.fs.readFileSync(`/scratch${DAEMON_JSON}`, 'utf8')).toContain('https://nexus.example.com');
    expect(h.fs.existsSync(`/scratch${STATE}/state.json`)).toBe(true);
    expect(h.fs.existsSync(DAEMON_JSON)).toBe(false);
  });
});
