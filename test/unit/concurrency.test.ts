import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { applyPrepared, planJoinNow, prepareLeave, readJournal, type ConvergeHost } from '../../src/converge/converge.js';
import { statusReport } from '../../src/converge/status.js';
import { isRegsetupError } from '../../src/core/errors.js';
import type { ResolvedDesired } from '../../src/core/plan-types.js';
import type { Processes } from '../../src/host/processes.js';
import { containerdSession } from '../../src/runtimes/containerd/session.js';
import { detectSessions } from '../../src/runtimes/registry.js';
import type { HostPorts, RuntimeSession } from '../../src/runtimes/types.js';
import { fakeDockerApi } from '../fakes/fake-docker-api.js';
import { processFiles } from '../fakes/process-files.js';
import { proc } from '../fakes/fake-proc.js';
import { desired, pem } from './helpers/join-fixtures.js';

// Several regsetup processes on one node at once (a bootstrap script and the agent, a fleet tool
// that starts a join per registry): every run plans from what it read, then applies under the one
// lock, re-planned there. Each simulated process has its own files port (its own lock scope and
// pid), so the runs meet only at the lock file, as separate processes do. Every runtime takes part:
// dockerd (reload, confirmed), containerd (hosts.toml), podman (the drop-in), a stopped k3s.

const NOW = Date.parse('2026-05-01T10:00:00Z');
const DAEMON_JSON = '/etc/docker/daemon.json';
const STATE = '/var/lib/regsetup';
const CONTAINERD_CONFIG = '/etc/containerd/config.toml';
const CONFIG_TOML = 'version = 2\n\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n';
const GROUP = 'group.example.com';
const OTHERS = ['hosted.example.com', 'basic.example.com', 'plain.example.com:5000', 'proxy.example.com'];

type Tree = Record<string, string>;

/** A node as a fresh install leaves it (no daemon.json, nothing of regsetup's), or with files of its own. */
const FRESH: Tree = {
  [CONTAINERD_CONFIG]: CONFIG_TOML,
  '/etc/containers/registries.conf': '# see containers-registries.conf(5)\n',
  '/etc/containers/registries.conf.d/shortnames.conf': '[aliases]\n  "alpine" = "docker.io/library/alpine"\n',
  '/etc/rancher/k3s/.keep': '',
};
const LIVED_IN: Tree = {
  ...FRESH,
  [DAEMON_JSON]: '{\n    "log-level": "info",\n    "registry-mirrors": ["https://mirror.corp.example.com"]\n}\n',
  '/etc/rancher/k3s/registries.yaml': '# ours\nmirrors:\n  quay.io:\n    endpoint:\n      - https://quay-cache.corp.example.com\n',
};

function node(tree: Tree) {
  const { fs, vol } = memfs({ ...tree, ...proc(812, { argv: ['/usr/bin/dockerd', '-H', 'fd://'] }), '/var/run/docker.pid': '812', '/usr/bin/podman': '#!/bin/sh\n' });
  fs.chmodSync('/usr/bin/podman', 0o755);
  // One dockerd for every run: on SIGHUP it takes daemon.json's registry settings.
  const docker = fakeDockerApi();
  const reload = () => {
    const config = fs.existsSync(DAEMON_JSON) ? (JSON.parse(String(fs.readFileSync(DAEMON_JSON, 'utf8'))) as Record<string, string[]>) : {};
    docker.infoValue.mirrors = (config['registry-mirrors'] ?? []).map((m) => `${m}/`);
    docker.infoValue.indexConfigs = { 'docker.io': { secure: true, mirrors: docker.infoValue.mirrors } };
    for (const h of config['insecure-registries'] ?? []) docker.infoValue.indexConfigs[h] = { secure: false, mirrors: [] };
  };
  reload();
  let reloads = 0;
  const processes: Processes = {
    run: async () => ({ exitCode: 0, stdout: '', stderr: '', timedOut: false }),
    sendSignal: () => {
      reloads++;
      reload();
    },
    isAlive: () => true,
  };
  let t = NOW;
  /** The ports of one regsetup process (test/fakes/process-files.ts); `meddle` runs before each of its reads of a path. */
  const process = (pid: number, meddle?: (path: string) => void): ConvergeHost => {
    const files = processFiles(fs, pid, meddle);
    const ports: HostPorts = { root: '/', files, processes, clock: { now: () => (t += 10) }, sleep: async () => new Promise((r) => setTimeout(r, 1)), env: { PATH: '/usr/bin', HOME: '/root' }, uid: 0, stateDir: STATE, dockerApi: () => docker };
    return { ports };
  };
  return { fs, vol, docker, process, reloads: () => reloads };
}

/** Every runtime of the node, as a join of all of them finds them (containerd described as detect would, without its socket). */
async function sessions(host: ConvergeHost): Promise<RuntimeSession[]> {
  const found = await detectSessions(host.ports, ['docker', 'podman', 'k3s']);
  const containerd = containerdSession(host.ports, 'containerd', { pid: 900, argv: ['containerd'], configFile: CONTAINERD_CONFIG, socket: '/run/containerd/containerd.sock', version: { major: 1, minor: 6, text: '1.6.20' }, cri: true }, CONTAINERD_CONFIG, undefined);
  return [...found, containerd];
}

const want = (registry: string): ResolvedDesired =>
  desired({ registry, mirrors: registry === GROUP || registry === 'proxy.example.com' ? [`https://${registry}`] : [], caPem: registry.endsWith(':5000') ? undefined : pem(`CA of ${registry}`), ...(registry.endsWith(':5000') ? { insecure: true, plainHttp: [registry] } : {}) });

const io = { yes: true, note: () => undefined };

async function join(host: ConvergeHost, registry: string) {
  const all = await sessions(host);
  const resolved = want(registry);
  const plan = await planJoinNow(all, resolved, host);
  return applyPrepared({ operation: 'join', sessions: all, plan, replan: () => planJoinNow(all, resolved, host) }, host, io);
}

const leave = async (host: ConvergeHost, registry: string) => applyPrepared(await prepareLeave(registry, host), host, io);

/** Each run's outcome: 'ok', or the error code it ended with. */
const outcomes = (results: PromiseSettledResult<unknown>[]) =>
  results.map((r) => (r.status === 'fulfilled' ? 'ok' : isRegsetupError(r.reason) ? `${r.reason.code}: ${r.reason.message}` : String(r.reason)));

/** Every file of the node but regsetup's own state (its journal and backups). */
const hostFiles = (vol: ReturnType<typeof memfs>['vol']) =>
  Object.fromEntries(Object.entries(vol.toJSON()).filter(([path]) => !path.startsWith(`${STATE}/`) && !path.startsWith('/proc/')));

const dockerView = (n: ReturnType<typeof node>) => structuredClone(n.docker.infoValue);

describe.each([
  ['a fresh node', FRESH],
  ['a node with files of its own', LIVED_IN],
])('concurrent runs on %s', { timeout: 120_000 }, (_name, tree) => {
  it('8 joins of one registry and 4 of others at once all land in every runtime, the journal agrees; two leaves of each at once give every byte back', async () => {
    const n = node(tree);
    const before = hostFiles(n.vol);
    const daemonBefore = dockerView(n);
    for (let round = 0; round < 3; round++) {
      const registries = [...Array<string>(8).fill(GROUP), ...OTHERS];
      const joined = await Promise.allSettled(registries.map((r, i) => join(n.process(1000 + round * 100 + i), r)));
      expect(outcomes(joined)).toEqual(registries.map(() => 'ok'));

      const daemon = JSON.parse(String(n.fs.readFileSync(DAEMON_JSON, 'utf8'))) as Record<string, string[]>;
      expect(daemon['registry-mirrors']).toEqual(expect.arrayContaining([`https://${GROUP}`, 'https://proxy.example.com']));
      expect(daemon['insecure-registries']).toEqual(['plain.example.com:5000']);
      expect(n.docker.infoValue.mirrors).toEqual(daemon['registry-mirrors']!.map((m) => `${m}/`));
      const dropIn = String(n.fs.readFileSync('/etc/containers/registries.conf.d/50-regsetup.conf', 'utf8'));
      const k3s = String(n.fs.readFileSync('/etc/rancher/k3s/registries.yaml', 'utf8'));
      for (const r of [GROUP, ...OTHERS]) {
        expect(dropIn).toContain(r);
        expect(k3s).toContain(r);
        expect(n.fs.existsSync(`/etc/containerd/certs.d/${r.replace(/:(\d+)$/, '_$1_')}/hosts.toml`) || n.fs.existsSync(`/etc/containerd/certs.d/${r}/hosts.toml`), r).toBe(true);
        if (!r.endsWith(':5000')) expect(String(n.fs.readFileSync(`/etc/docker/certs.d/${r}/ca.crt`, 'utf8'))).toBe(pem(`CA of ${r}`));
      }
      const journal = await readJournal(n.process(1));
      expect(Object.keys(journal.registries).sort()).toEqual([GROUP, ...OTHERS].sort());
      for (const entry of Object.values(journal.registries)) expect(Object.keys(entry.runtimes).sort()).toEqual(['containerd', 'containers', 'docker', 'k3s']);
      // The journal agrees with the files: no drift in any runtime of any registry.
      const status = await statusReport(n.process(2));
      expect(status.registries.flatMap((r) => r.runtimes.flatMap((x) => x.drift.map((d) => `${r.registry} ${x.runtime}: ${d.what}`)))).toEqual([]);

      // Two leaves of each registry at once: the later one finds it left, which is what it asked for.
      const leaving = [GROUP, ...OTHERS, GROUP, ...OTHERS];
      const left = await Promise.allSettled(leaving.map((r, i) => leave(n.process(2000 + round * 100 + i), r)));
      expect(outcomes(left)).toEqual(leaving.map(() => 'ok'));
      expect(hostFiles(n.vol)).toEqual(before);
      expect(dockerView(n)).toEqual(daemonBefore);
      expect(Object.keys((await readJournal(n.process(3))).registries)).toEqual([]);
    }
  });

  it.each([
    ['in the order of the joins', [GROUP, ...OTHERS]],
    ['in the reverse order', [...OTHERS].reverse().concat(GROUP)],
    ['in a mixed order', ['plain.example.com:5000', GROUP, 'basic.example.com', 'proxy.example.com', 'hosted.example.com']],
  ])('leaves one after the other %s give every byte back (what a join created passes to the registries still in it)', async (_order, order) => {
    const n = node(tree);
    const before = hostFiles(n.vol);
    const daemonBefore = dockerView(n);
    for (const [i, r] of [GROUP, ...OTHERS].entries()) await join(n.process(100 + i), r);
    for (const [i, r] of order.entries()) await leave(n.process(200 + i), r);
    expect(hostFiles(n.vol)).toEqual(before);
    expect(dockerView(n)).toEqual(daemonBefore);
  });
});

describe('something that is not regsetup writes to the node during a join', { timeout: 60_000 }, () => {
  it('once: the join re-plans under the lock, lands, and keeps what the other wrote', async () => {
    const n = node(LIVED_IN);
    let reads = 0;
    const host = n.process(7, (path) => {
      // The second read of daemon.json under the lock (the stale check after the first re-plan): it changed meanwhile.
      if (path === DAEMON_JSON && n.fs.existsSync(`${STATE}/lock`) && ++reads === 2) n.fs.writeFileSync(DAEMON_JSON, '{\n    "log-level": "debug",\n    "registry-mirrors": ["https://mirror.corp.example.com"]\n}\n');
    });
    await join(host, GROUP);
    const daemon = JSON.parse(String(n.fs.readFileSync(DAEMON_JSON, 'utf8'))) as Record<string, unknown>;
    expect(daemon).toEqual({ 'log-level': 'debug', 'registry-mirrors': ['https://mirror.corp.example.com', `https://${GROUP}`] });
    expect(reads).toBeGreaterThan(2);
  });

  it('every time: refused after a bounded number of re-plans (exit 4), nothing of regsetup written', async () => {
    const n = node(LIVED_IN);
    let writes = 0;
    const host = n.process(8, (path) => {
      if (path !== DAEMON_JSON || !n.fs.existsSync(`${STATE}/lock`)) return;
      writes++;
      n.fs.writeFileSync(DAEMON_JSON, `{\n    "log-level": "info",\n    "labels": ["n=${writes}"]\n}\n`);
    });
    const error = await join(host, GROUP).then(() => undefined, (e: unknown) => e);
    expect(isRegsetupError(error) && [error.code, error.exitCode]).toEqual(['ERR_PLAN_STALE', 4]);
    expect(writes).toBeLessThan(20);
    expect(n.fs.existsSync(`/etc/docker/certs.d/${GROUP}/ca.crt`)).toBe(false);
    expect(n.fs.existsSync(`${STATE}/state.json`)).toBe(false);
    expect(n.reloads()).toBe(0);
  });
});
