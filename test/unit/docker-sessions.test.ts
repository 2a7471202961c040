import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { verifySessions } from '../../src/cli/commands/verify-input.js';
import { applyPrepared, planJoinNow } from '../../src/converge/converge.js';
import { emptyJournal } from '../../src/core/journal.js';
import type { RegsetupError } from '../../src/core/errors.js';
import type { RuntimePlan } from '../../src/core/plan-types.js';
import { nodeFiles } from '../../src/host/files.js';
import type { Processes, RunOptions } from '../../src/host/processes.js';
import { dockerRuntime } from '../../src/runtimes/docker/index.js';
import type { DockerSession } from '../../src/runtimes/docker/session.js';
import { detectSessions, selectSessions, whyNot } from '../../src/runtimes/registry.js';
import type { HostPorts } from '../../src/runtimes/types.js';
import { fakeDockerApi, type FakeDockerApi } from '../fakes/fake-docker-api.js';
import { PASSWD, proc, rootlessTree } from '../fakes/fake-proc.js';
import { desired } from './helpers/join-fixtures.js';

const SYSTEM = { '/var/run/docker.pid': '812', ...proc(812, { argv: ['/usr/sbin/dockerd', '-H', 'fd://'], cgroup: '0::/system.slice/docker.service' }) };
const ALICE = rootlessTree(3000, { uid: 1000, home: '/home/alice', cgroup: '0::/user.slice/user-1000.slice/user@1000.service/app.slice/docker.service' });
const BOB = rootlessTree(5000, { uid: 1001, home: '/home/bob' });
const SNAP = proc(1900, { argv: ['dockerd', '--config-file=/var/snap/docker/2963/config/daemon.json'], cgroup: '0::/system.slice/snap.docker.dockerd.service' });

function host(tree: Record<string, string>, o: { uid?: number; dockerHost?: string } = {}) {
  const apis = new Map<string, FakeDockerApi>();
  const opened: Array<string | undefined> = [];
  const log: string[] = [];
  const processes: Processes = {
    run: async (cmd, args, options?: RunOptions) => (log.push(`${options?.env ? `${Object.entries(options.env).map(([k, v]) => `${k}=${v}`).join(' ')} ` : ''}${[cmd, ...args].join(' ')}`), { exitCode: 0, stdout: '', stderr: '', timedOut: false }),
    sendSignal: (pid, signal) => void log.push(`kill -${signal} ${pid}`),
    isAlive: () => true,
  };
  let t = 0;
  const ports: HostPorts = {
    root: '/',
    files: nodeFiles(memfs({ '/etc/passwd': PASSWD, '/run/systemd/system/.keep': '', ...tree }).fs),
    processes,
    clock: { now: () => t },
    sleep: async (ms) => void (t += ms),
    env: {},
    ...(o.uid === undefined ? {} : { uid: o.uid }),
    ...(o.dockerHost ? { dockerHost: o.dockerHost } : {}),
    dockerApi: (dockerHost) => {
      opened.push(dockerHost);
      const api = fakeDockerApi({ info: { serverVersion: '20.10.24', rootless: dockerHost?.includes('/run/user/') ?? false } });
      apis.set(dockerHost ?? '', api);
      return api;
    },
  };
  const detect = async () => (await dockerRuntime.detect(ports)) as DockerSession[];
  return { ports, apis, opened, log, detect };
}

const code = (fn: () => unknown): RegsetupError => {
  try {
    fn();
  } catch (error) {
    return error as RegsetupError;
  }
  throw new Error('expected a refusal');
};

describe('Docker sessions, one per daemon', () => {
  it('as root: the system dockerd and every rootless one, each on its own socket; auto configures the system one only', async () => {
    const h = host({ ...SYSTEM, ...ALICE, ...BOB });
    const sessions = await h.detect();
    expect(sessions.map((s) => [s.id, s.label, s.layout.daemonJsonPath, s.layout.certsDir])).toEqual([
      ['docker', 'dockerd', '/etc/docker/daemon.json', '/etc/docker/certs.d'],
      ['docker-rootless:1000', 'dockerd (rootless, alice)', '/home/alice/.config/docker/daemon.json', '/home/alice/.config/docker/certs.d'],
      ['docker-rootless:1001', 'dockerd (rootless, bob)', '/home/bob/.config/docker/daemon.json', '/home/bob/.config/docker/certs.d'],
    ]);
    expect(h.opened).toEqual(['unix:///var/run/docker.sock', 'unix:///run/user/1000/docker.sock', 'unix:///run/user/1001/docker.sock']);
    expect(selectSessions(sessions, ['auto']).map((s) => s.id)).toEqual(['docker']);
    expect(selectSessions(sessions, ['docker']).map((s) => s.id)).toEqual(['docker']);
    expect(whyNot(sessions[1]!)).toMatchObject({ code: 'ERR_DOCKERD_NOT_YOURS', exitCode: 4, hint: expect.stringContaining('sudo -iu alice') });
    // verify does not pull through other users' daemons either.
    expect(verifySessions(sessions).map((s) => s.id)).toEqual(['docker']);
  });

  it('as root with only a user\'s rootless dockerd: a refusal that says whose it is and how to run', async () => {
    const sessions = await host(ALICE).detect();
    expect(code(() => selectSessions(sessions, ['auto']))).toMatchObject({ code: 'ERR_DOCKERD_NOT_YOURS', message: expect.stringContaining("alice's"), hint: expect.stringContaining('XDG_RUNTIME_DIR=/run/user/1000') });
  });

  it("as alice: the system's (to verify through) and her own, not bob's; auto configures hers", async () => {
    const h = host({ ...SYSTEM, ...ALICE, ...BOB }, { uid: 1000 });
    const sessions = await h.detect();
    expect(sessions.map((s) => s.id)).toEqual(['docker', 'docker-rootless:1000']);
    expect(selectSessions(sessions, ['auto']).map((s) => s.id)).toEqual(['docker-rootless:1000']);
    expect(whyNot(sessions[0]!)).toMatchObject({ code: 'ERR_DOCKERD_NOT_YOURS', message: expect.stringContaining('runs as root') });
    expect(verifySessions(sessions).map((s) => s.id)).toEqual(['docker', 'docker-rootless:1000']);
  });

  it("as alice, the system's other runtimes (containerd) are not hers either: auto leaves them, naming one is refused", async () => {
    const sessions = await host({ ...SYSTEM, ...ALICE }, { uid: 1000 }).detect();
    const containerd = { ...sessions[0]!, id: 'containerd', kind: 'containerd' as const, label: 'containerd' } as unknown as DockerSession;
    const all = [...sessions, containerd];
    expect(selectSessions(all, ['auto'], 1000).map((s) => s.id)).toEqual(['docker-rootless:1000']);
    expect(code(() => selectSessions(all, ['containerd'], 1000))).toMatchObject({ code: 'ERR_RUNTIME_NOT_YOURS', message: expect.stringContaining("containerd is the system's") });
  });

  it.each([
    { name: "alice's own DOCKER_HOST goes to her rootless dockerd", uid: 1000, dockerHost: 'unix:///tmp/alice-docker.sock', want: ['unix:///var/run/docker.sock', 'unix:///tmp/alice-docker.sock'] },
    { name: 'a DOCKER_HOST naming the system socket goes to the system dockerd', uid: 1000, dockerHost: 'unix:///run/docker.sock', want: ['unix:///run/docker.sock', 'unix:///run/user/1000/docker.sock'] },
    { name: "root's --docker-host goes to the system dockerd", uid: 0, dockerHost: 'tcp://127.0.0.1:2375', want: ['tcp://127.0.0.1:2375', 'unix:///run/user/1000/docker.sock'] },
  ])('$name', async ({ uid, dockerHost, want }) => {
    const h = host({ ...SYSTEM, ...ALICE }, { uid, dockerHost });
    await h.detect();
    expect(h.opened).toEqual(want);
  });

  it('a 29.x engine on the containerd image store: the session plans hosts.toml for it', async () => {
    const h = host({ ...SYSTEM, '/etc/docker/certs.d/nexus.example.com/hosts.toml': 'server = "https://nexus.example.com"\n[host."https://cache.example.com"]\n' });
    h.ports.dockerApi = () => fakeDockerApi({ info: { serverVersion: '29.4.1', driverType: 'io.containerd.snapshotter.v1', containerdStore: true } });
    const [system] = await h.detect();
    const snap = await system!.snapshot(['nexus.example.com'], emptyJournal());
    expect(snap.dockerd).toMatchObject({ containerdStore: true, version: '29.4.1' });
    const plan = system!.plan(snap, desired({ mirrors: [] }), undefined, { journal: emptyJournal(), now: 0 });
    expect(plan.actions.map((a) => a.path)).toContain('/etc/docker/certs.d/nexus.example.com/hosts.toml');
    expect(plan.warnings.join('\n')).toContain('#52600');
  });

  it('the snap is its own session, with its files', async () => {
    const [snap] = await host(SNAP).detect();
    expect(snap).toMatchObject({ id: 'docker-snap', label: 'dockerd (snap)', layout: { daemonJsonPath: '/var/snap/docker/2963/config/daemon.json', certsDir: '/var/snap/docker/2963/etc/docker/certs.d' } });
    expect(selectSessions([snap!], ['docker'])).toEqual([snap]);
  });
});

describe('activating each variant', () => {
  const plan = (s: DockerSession, activation: RuntimePlan['activation']): RuntimePlan => ({ runtime: s.id, kind: 'docker', label: s.label, actions: [], unchanged: [], activation, warnings: [], record: null });

  it("rootless, as its user: HUP to rootlesskit, confirmed in that daemon's docker info", async () => {
    const h = host(ALICE, { uid: 1000 });
    const [alice] = await h.detect();
    const api = h.apis.get('unix:///run/user/1000/docker.sock')!;
    const p = { ...plan(alice!, 'reload'), expect: { mirrors: ['https://nexus.example.com'], insecureHosts: [], insecureCidrs: [], secureAgain: [] } };
    await alice!.activate(p, () => undefined);
    expect(h.log).toEqual(['kill -SIGHUP 3000']);
    expect(await alice!.confirm(p, 'after', { timeoutMs: 1_000 })).toContain('mirrors are []');
    api.infoValue.mirrors = ['https://nexus.example.com/'];
    expect(await alice!.confirm(p, 'after', { timeoutMs: 1_000 })).toBeUndefined();
  });

  it.each([
    { name: 'rootless under its user unit, as its user', tree: ALICE, uid: 1000, log: ['XDG_RUNTIME_DIR=/run/user/1000 systemctl --user restart docker.service'] },
    { name: 'the snap, through snapd', tree: SNAP, uid: 0, log: ['snap restart docker.dockerd'] },
    { name: 'the system dockerd under systemd', tree: SYSTEM, uid: 0, log: ['systemctl restart docker.service'] },
  ])('restart: $name', async ({ tree, uid, log }) => {
    const h = host(tree, { uid });
    const [s] = await h.detect();
    expect((await s!.snapshot([], emptyJournal())).dockerd.canRestart).toBe(true);
    await s!.activate(plan(s!, 'restart'), () => undefined);
    expect(h.log).toEqual(log);
  });

  it("a rootless dockerd's restart needs its user's systemd: as root regsetup only reloads, so a restart is refused before any write", async () => {
    const h = host({ ...SYSTEM, ...ALICE });
    const alice = (await h.detect())[1]!;
    const snap = await alice.snapshot(['nexus.example.com'], emptyJournal());
    expect(snap.dockerd.canRestart).toBe(false);
    // planning is refused anyway: root does not configure alice's daemon.
    expect(code(() => alice.plan(snap, desired(), undefined, { journal: emptyJournal(), now: 0 }))).toMatchObject({ code: 'ERR_DOCKERD_NOT_YOURS' });
  });

  it('a record of a stopped rootless dockerd is served offline from its own files', async () => {
    const h = host({}, { uid: 1000 });
    const record = { kind: 'docker', daemonJsonPath: '/home/alice/.config/docker/daemon.json', added: { mirrors: [], insecure: [] }, files: [] };
    const s = (await dockerRuntime.offline!(h.ports, 'docker-rootless:1000', record)) as DockerSession;
    expect(s).toMatchObject({ id: 'docker-rootless:1000', running: false, layout: { certsDir: '/home/alice/.config/docker/certs.d' } });
    const snap = (await dockerRuntime.offline!(h.ports, 'docker-snap', { ...record, daemonJsonPath: '/var/snap/docker/2963/config/daemon.json' })) as DockerSession;
    expect(snap.layout).toMatchObject({ label: 'dockerd (snap)', certsDir: '/var/snap/docker/2963/etc/docker/certs.d' });
  });
});

describe('a snap install under --root', () => {
  // The snap's install hook copies its daemon.json ({"log-level": "error"}) into $SNAP_DATA/config;
  // `current` links to the revision, which is what the wrapper's --config-file names.
  const SNAP_JSON = '/var/snap/docker/2963/config/daemon.json';
  const SNAP_CA = '/var/snap/docker/2963/etc/docker/certs.d/nexus.example.com/ca.crt';
  const scratch = (tree: Record<string, string>) => Object.fromEntries(Object.entries(tree).map(([k, v]) => [`/scratch${k}`, v]));

  it('is found, planned, written and reloaded in the snap directories, never through `current`', async () => {
    const { fs } = memfs(scratch({ ...SNAP, '/run/systemd/system/.keep': '', [SNAP_JSON]: '{\n    "log-level":        "error"\n}\n', '/var/snap/docker/2963/etc/docker/.keep': '' }));
    fs.symlinkSync('2963', '/scratch/var/snap/docker/current');
    const signals: number[] = [];
    const api = fakeDockerApi();
    let t = 0;
    const ports: HostPorts = {
      root: '/scratch',
      files: nodeFiles(fs),
      processes: { run: async () => ({ exitCode: 0, stdout: '', stderr: '', timedOut: false }), sendSignal: (pid) => void (signals.push(pid), (api.infoValue.mirrors = ['https://nexus.example.com/'])), isAlive: () => true },
      clock: { now: () => (t += 1000) },
      sleep: async (ms) => void (t += ms),
      env: {},
      dockerApi: () => api,
    };
    const sessions = selectSessions(await detectSessions(ports, ['docker']), ['auto']);
    expect(sessions.map((s) => s.id)).toEqual(['docker-snap']);
    const resolved = desired();
    const host = { ports, stateDir: '/var/lib/regsetup' };
    const plan = await planJoinNow(sessions, resolved, host);
    expect(plan.runtimes[0]!.actions.map((a) => a.path)).toEqual([SNAP_CA, SNAP_JSON]);
    await applyPrepared({ operation: 'join', sessions, plan, replan: () => planJoinNow(sessions, resolved, host) }, host, { yes: true, note: () => undefined });
    expect(signals).toEqual([1900]);
    expect(JSON.parse(String(fs.readFileSync(`/scratch${SNAP_JSON}`, 'utf8')))).toEqual({ 'log-level': 'error', 'registry-mirrors': ['https://nexus.example.com'] });
    expect(fs.existsSync(`/scratch${SNAP_CA}`)).toBe(true);
    expect(fs.lstatSync('/scratch/var/snap/docker/current').isSymbolicLink()).toBe(true);
    const journal = JSON.parse(String(fs.readFileSync('/scratch/var/lib/regsetup/state.json', 'utf8')));
    expect(journal.registries['nexus.example.com'].runtimes['docker-snap']).toMatchObject({ daemonJsonPath: SNAP_JSON, certsDir: '/var/snap/docker/2963/etc/docker/certs.d' });
  });
});
