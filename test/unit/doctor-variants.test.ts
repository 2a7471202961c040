import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { certsCheck } from '../../src/doctor/checks/certs-d.js';
import { daemonJsonCheck } from '../../src/doctor/checks/daemon-json.js';
import { dockerStoreCheck } from '../../src/doctor/checks/docker-store.js';
import { dockerdCheck } from '../../src/doctor/checks/dockerd.js';
import { hostFixes } from '../../src/doctor/fixes/host-fixes.js';
import { doctorState } from '../../src/doctor/ports.js';
import { realDoctorPorts } from '../../src/doctor/real-ports.js';
import type { Target } from '../../src/doctor/types.js';
import { nodeFiles } from '../../src/host/files.js';
import type { Processes } from '../../src/host/processes.js';
import { dockerdCommands } from '../../src/runtimes/docker/daemon-owner.js';
import type { HostPorts } from '../../src/runtimes/types.js';
import { dockerdProcess } from '../fakes/dockerd-process.js';
import { fakeDockerApi } from '../fakes/fake-docker-api.js';
import { PASSWD, proc, rootlessTree } from '../fakes/fake-proc.js';
import { cleanCredentials, fakeFixes, stateFor, target, type FakeHost } from './helpers/doctor-fixtures.js';

const SYSTEM = { '/var/run/docker.pid': '812', ...proc(812, { argv: ['/usr/sbin/dockerd', '-H', 'fd://'], cgroup: '0::/system.slice/docker.service' }) };
const ALICE = rootlessTree(3000, { uid: 1000, home: '/home/alice', cgroup: '0::/user.slice/user-1000.slice/user@1000.service/app.slice/docker.service' });
const SNAP = proc(1900, { argv: ['dockerd', '--config-file=/var/snap/docker/2963/config/daemon.json'], cgroup: '0::/system.slice/snap.docker.dockerd.service' });
const ALICE_CERTS = '/home/alice/.config/docker/certs.d';
const HOST = 'nexus.example.com';

/** doctor's real ports on a fake host: /proc in memfs, a fake Docker API per socket. */
async function doctorOn(tree: Record<string, string>, o: { uid?: number; dockerHost?: string; noDaemon?: boolean } = {}) {
  const opened: Array<string | undefined> = [];
  const processes: Processes = { run: async () => ({ exitCode: 0, stdout: '', stderr: '', timedOut: false }), sendSignal: () => undefined, isAlive: () => true };
  const host: HostPorts = {
    root: '/',
    files: nodeFiles(memfs({ '/etc/passwd': PASSWD, '/run/systemd/system/.keep': '', ...tree }).fs as never),
    processes,
    clock: { now: () => 0 },
    sleep: async () => undefined,
    env: {},
    uid: o.uid ?? 0,
    ...(o.dockerHost ? { dockerHost: o.dockerHost } : {}),
    dockerApi: (dockerHost) => {
      opened.push(dockerHost);
      const api = fakeDockerApi({ info: { rootless: dockerHost?.includes('/run/user/') ?? false } });
      return o.noDaemon ? { ...api, info: () => Promise.reject(new Error('connect ENOENT /var/run/docker.sock')) } : api;
    },
  };
  const stateDir = o.uid ? `/home/alice/.local/state/regsetup` : '/var/lib/regsetup';
  const fixesFor: string[] = [];
  const ports = await realDoctorPorts({
    host,
    stateDir,
    fixes: (docker) => (fixesFor.push(docker?.id ?? 'none'), fakeFixes()),
    credentials: async () => cleanCredentials(),
    verifySetup: async () => {
      throw new Error('not in these tests');
    },
  });
  const state = await doctorState(ports, async () => [], 'library/hello-world:latest');
  return { ports, state, opened, fixesFor };
}

describe('doctor checks the Docker session its user configures (docs/architecture.md "Docker variants")', () => {
  it.each([
    { name: 'root: the system dockerd, not alice\'s rootless one', tree: { ...SYSTEM, ...ALICE }, uid: 0, id: 'docker', daemonJson: '/etc/docker/daemon.json', certs: '/etc/docker/certs.d', others: [3002] },
    { name: 'alice: her rootless dockerd, her files', tree: { ...SYSTEM, ...ALICE }, uid: 1000, id: 'docker-rootless:1000', daemonJson: '/home/alice/.config/docker/daemon.json', certs: ALICE_CERTS, others: [812] },
    { name: 'root: the snap, with its own files', tree: SNAP, uid: 0, id: 'docker-snap', daemonJson: '/var/snap/docker/2963/config/daemon.json', certs: '/var/snap/docker/2963/etc/docker/certs.d', others: [] },
    { name: 'root with --docker-host on alice\'s socket: hers, as asked', tree: { ...SYSTEM, ...ALICE }, uid: 0, dockerHost: 'unix:///run/user/1000/docker.sock', id: 'docker-rootless:1000', daemonJson: '/home/alice/.config/docker/daemon.json', certs: ALICE_CERTS, others: [812] },
  ])('$name', async ({ tree, uid, dockerHost, id, daemonJson, certs, others }) => {
    const { ports, state, fixesFor } = await doctorOn(tree, { uid, ...(dockerHost ? { dockerHost } : {}) });
    expect([state.layout.id, state.daemonJsonPath, state.layout.certsDir]).toEqual([id, daemonJson, certs]);
    expect(state.dockerHere).toBe(true);
    expect((await ports.otherDockerds()).map((d) => d.pid)).toEqual(others);
    expect(fixesFor).toEqual([id]);
    expect(ports.stateDir).toBe(uid ? '/home/alice/.local/state/regsetup' : '/var/lib/regsetup');
  });

  it("the certs.d it reads is that dockerd's: alice's CA directory, not the system's", async () => {
    const { ports } = await doctorOn({ ...SYSTEM, ...ALICE, [`${ALICE_CERTS}/${HOST}/ca.crt`]: 'x', [`/etc/docker/certs.d/other.example.com/ca.crt`]: 'y' }, { uid: 1000 });
    expect(await ports.certsDirs()).toEqual([HOST]);
  });

  it("root on a host with alice's rootless dockerd only: no Docker of root's to check, and a hint to run doctor as alice", async () => {
    const { state } = await doctorOn(ALICE);
    expect(state.dockerHere).toBe(false);
    expect(await dockerdCheck.run(state)).toEqual([
      expect.objectContaining({ id: 'dockerd-not-checked', severity: 'info', seen: expect.stringContaining('dockerd (rootless, alice) (pid 3002)'), fix: expect.stringContaining('sudo -iu alice regsetup doctor') }),
    ]);
  });

  it('no Docker on the host at all (a containerd node): the dockerd check has nothing to say', async () => {
    const { state } = await doctorOn({}, { noDaemon: true });
    expect([state.dockerHere, await dockerdCheck.run(state)]).toEqual([false, []]);
  });
});

describe('hints per Docker variant', () => {
  it.each([
    ['systemd', dockerdProcess({ managedBy: 'systemd' }), 'systemctl reload docker', 'systemctl start docker'],
    ['its user\'s systemd', dockerdProcess({ managedBy: 'systemd-user', variant: 'rootless', uid: 1000, user: 'alice' }), 'systemctl --user reload docker (as alice)', 'systemctl --user start docker (as alice)'],
    ['snapd', dockerdProcess({ pid: 1900, managedBy: 'snap', variant: 'snap', snap: 'docker' }), 'kill -HUP 1900 (or snap restart docker.dockerd)', 'snap start docker.dockerd'],
    ['the init script', dockerdProcess({ managedBy: 'sysv' }), '/etc/init.d/docker reload', '/etc/init.d/docker start'],
    ['a rootless one started by hand', dockerdProcess({ pid: 3002, signalPid: 3000, variant: 'rootless', uid: 1000 }), 'kill -HUP 3000', 'start dockerd again the way it was started'],
  ])('%s', (_what, d, reload, start) => {
    expect(dockerdCommands(d)).toMatchObject({ reload, start });
  });

  it("a daemon.json entry dockerd refuses: the reload command of that dockerd", async () => {
    const rootless = dockerdProcess({ pid: 3002, signalPid: 3000, variant: 'rootless', uid: 1000, configFile: '/home/alice/.config/docker/daemon.json', certsDir: ALICE_CERTS });
    const [f] = await daemonJsonCheck.run(await stateFor({ dockerd: rootless, tree: { '/home/alice/.config/docker/daemon.json': '{"registry-mirrors": ["ftp://x"]}' } }));
    expect(f).toMatchObject({ id: 'daemon-json-invalid', seen: expect.stringContaining('/home/alice/.config/docker/daemon.json'), fix: expect.stringContaining('kill -HUP 3000') });
  });

  it('a daemon that does not answer: the start command and log of its own kind', async () => {
    const s = await stateFor({ dockerd: dockerdProcess({ managedBy: 'systemd-user', variant: 'rootless', uid: 1000, user: 'alice' }) });
    s.daemon = { error: new Error('Cannot connect to the Docker daemon at unix:///run/user/1000/docker.sock. Is the docker daemon running?') };
    const [f] = await dockerdCheck.run(s);
    expect(f).toMatchObject({ id: 'daemon-unreachable', fix: expect.stringMatching(/systemctl --user start docker \(as alice\).*journalctl --user -u docker/) });
  });

  it("certs.d findings and the CA fix name that dockerd's certs.d", async () => {
    const rootless = dockerdProcess({ variant: 'rootless', uid: 1000, configFile: '/home/alice/.config/docker/daemon.json', certsDir: ALICE_CERTS });
    const [f] = await certsCheck.run(await stateFor({ dockerd: rootless, certs: { [`${HOST}:443`]: {} } }));
    expect(f).toMatchObject({ id: 'certs-d-name-mismatch', seen: `${ALICE_CERTS}/${HOST}:443 exists, ${ALICE_CERTS}/${HOST} does not` });
    const fixes = hostFixes({ host: { ports: {} as HostPorts }, docker: { id: 'docker-rootless:1000', layout: { id: 'docker-rootless:1000', label: 'dockerd (rootless, alice)', daemonJsonPath: '/home/alice/.config/docker/daemon.json', certsDir: ALICE_CERTS }, dockerd: rootless }, note: () => undefined, trustOnFirstUse: false });
    expect([fixes.installCa(HOST).title, fixes.reload().title]).toEqual([`trust the CA of ${HOST} (${ALICE_CERTS}/${HOST}/ca.crt)`, 'reload dockerd (rootless, alice) so it uses what daemon.json says']);
  });
});

describe('docker-store check: the containerd image store and its hosts.toml', () => {
  const CERTS = '/etc/docker/certs.d';
  const store = (h: FakeHost = {}, version = '29.5.1', targets: Target[] = [target(HOST)]) =>
    stateFor({ ...h, docker: { info: { containerdStore: true, serverVersion: version, ...h.docker?.info } } }, targets);
  const run = async (h: FakeHost = {}, version?: string) => (await dockerStoreCheck.run(await store(h, version))).map((f) => f.id);

  it('the classic store, or no hosts.toml: nothing to say', async () => {
    expect(await dockerStoreCheck.run(await stateFor({ tree: { [`${CERTS}/${HOST}/hosts.toml`]: '[oops' } }))).toEqual([]);
    expect(await run({ tree: { [`${CERTS}/${HOST}/ca.crt`]: 'pem' }, certs: { [HOST]: {} } })).toEqual([]);
  });

  it.each<[string, Record<string, string>, Partial<FakeHost>, string[]]>([
    ['a hosts.toml it cannot decode', { [`${CERTS}/${HOST}/hosts.toml`]: '[host."https://x"\n' }, {}, ['docker-store-hosts-malformed']],
    ['a hosts.toml without ca beside a ca.crt (the CA is hidden)', { [`${CERTS}/${HOST}/hosts.toml`]: `server = "https://${HOST}"\n[host."https://${HOST}"]\n  capabilities = ["pull", "resolve", "push"]\n`, [`${CERTS}/${HOST}/ca.crt`]: 'pem' }, {}, ['docker-store-ca-hidden']],
    ['a hosts.toml naming the CA', { [`${CERTS}/${HOST}/hosts.toml`]: `server = "https://${HOST}"\n[host."https://${HOST}"]\n  ca = ["${CERTS}/${HOST}/ca.crt"]\n`, [`${CERTS}/${HOST}/ca.crt`]: 'pem' }, {}, []],
    ['insecure-registries, and [host] tables without skip_verify', { [`${CERTS}/${HOST}/hosts.toml`]: `[host."https://${HOST}"]\n  capabilities = ["pull"]\n` }, { docker: { info: { indexConfigs: { [HOST]: { secure: false, mirrors: [] } } } } }, ['docker-store-insecure-ignored']],
    ["Docker Hub's hosts.toml listing hosts of its own while daemon.json has mirrors", { [`${CERTS}/docker.io/hosts.toml`]: 'server = "https://registry-1.docker.io"\n[host."https://other.example.com"]\n  capabilities = ["pull", "resolve"]\n' }, { docker: { info: { mirrors: [`https://${HOST}/`] } } }, ['docker-store-mirrors-ignored']],
    ['… and _default when there is no docker.io directory', { [`${CERTS}/_default/hosts.toml`]: '[host."https://other.example.com"]\n' }, { docker: { info: { mirrors: [`https://${HOST}`] } } }, ['docker-store-mirrors-ignored']],
    ['… unless the mirror is among its hosts', { [`${CERTS}/docker.io/hosts.toml`]: `[host."https://${HOST}"]\n  capabilities = ["pull", "resolve"]\n` }, { docker: { info: { mirrors: [`https://${HOST}/`] } } }, []],
  ])('%s', async (_what, tree, h, ids) => {
    const dirs = Object.fromEntries(Object.keys(tree).map((p) => [p.split('/')[4]!, {}]));
    expect(await run({ ...h, tree, certs: dirs })).toEqual(ids);
  });

  it('an engine before 29.5.0 with a private CA: only an authenticated pull and push prove it (moby #52600)', async () => {
    const tree = { [`${CERTS}/${HOST}/ca.crt`]: 'pem' };
    expect(await run({ tree, certs: { [HOST]: {} } }, '29.4.2')).toEqual(['docker-store-token-ca']);
    expect(await run({ tree, certs: { [HOST]: {} } }, '29.5.0')).toEqual([]);
  });
});
