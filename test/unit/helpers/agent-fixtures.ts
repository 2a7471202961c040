// A node for the agent's tests: memfs, the real Docker runtime session over a fake Docker API
// (SIGHUP makes it take daemon.json, as dockerd does), a fake preflight and clock, manual timers.
import { memfs } from 'memfs';
import { Agent } from '../../../src/agent/agent.js';
import { memoryLog } from '../../../src/agent/log.js';
import type { Timers } from '../../../src/agent/loop.js';
import type { ClockReading } from '../../../src/agent/reconcile.js';
import type { DesiredState } from '../../../src/core/desired-state.js';
import type { DockerdProcess } from '../../../src/host/dockerd.js';
import { nodeFiles } from '../../../src/host/files.js';
import type { Processes } from '../../../src/host/processes.js';
import type { Preflight } from '../../../src/preflight/resolve.js';
import { dockerSession } from '../../../src/runtimes/docker/session.js';
import type { HostPorts } from '../../../src/runtimes/types.js';
import { fakeDockerApi } from '../../fakes/fake-docker-api.js';
import { CERTS, DAEMON_JSON, desired as resolvedDesired, pem } from './join-fixtures.js';

export const NOW = Date.parse('2026-05-01T10:00:00Z');
export const CONFIG = '/etc/regsetup/regsetup.yaml';
export const CA = `${CERTS}/nexus.example.com/ca.crt`;
export const FILE = 'version: 1\nagent:\n  interval: 5m\nregistries:\n  - registry: nexus.example.com\n    mirrors: [https://nexus.example.com]\n';
const DOCKERD: DockerdProcess = { pid: 4242, argv: ['dockerd'], configFile: DAEMON_JSON, certsDir: CERTS, socket: '/var/run/docker.sock', managedBy: 'none', variant: 'rootful', rootless: false, uid: 0, signalPid: 4242 };

/** Timers run by hand: advance(ms) fires what falls due, in order. */
export function manualTimers(clock: { t: number }) {
  let queue: Array<{ at: number; fn: () => void; id: number }> = [];
  let next = 0;
  const timers: Timers & { advance(ms: number): void; pending(): number[] } = {
    set: (fn, ms) => {
      const id = next++;
      queue.push({ at: clock.t + ms, fn, id });
      return id;
    },
    clear: (handle) => void (queue = queue.filter((q) => q.id !== handle)),
    advance: (ms) => {
      const end = clock.t + ms;
      for (;;) {
        const due = queue.filter((q) => q.at <= end).sort((a, b) => a.at - b.at)[0];
        if (due === undefined) break;
        queue = queue.filter((q) => q !== due);
        clock.t = due.at;
        due.fn();
      }
      clock.t = end;
    },
    pending: () => queue.map((q) => q.at - clock.t).sort((a, b) => a - b),
  };
  return timers;
}

export function agentNode(o: { file?: string; daemonJson?: string; skewMs?: number; caNotAfter?: number } = {}) {
  const tree: Record<string, string> = { [CONFIG]: o.file ?? FILE };
  if (o.daemonJson !== undefined) tree[DAEMON_JSON] = o.daemonJson;
  const { fs } = memfs(tree);
  const files = nodeFiles(fs, { pollMs: 1 });
  const clock = { t: NOW };
  const docker = fakeDockerApi();
  const signals: string[] = [];
  let dockerdTakes = true;
  const takeConfig = () => {
    const text = fs.existsSync(DAEMON_JSON) ? String(fs.readFileSync(DAEMON_JSON, 'utf8')) : '{}';
    const config = JSON.parse(text) as Record<string, string[]>;
    docker.infoValue.mirrors = (config['registry-mirrors'] ?? []).map((m) => `${m}/`);
  };
  const processes: Processes = {
    run: async () => ({ exitCode: 0, stdout: '', stderr: '', timedOut: false }),
    sendSignal: (_pid, signal) => {
      signals.push(signal);
      if (dockerdTakes) takeConfig();
    },
    isAlive: () => true,
  };
  const ports: HostPorts = { root: '/', files, processes, clock: { now: () => clock.t }, sleep: async (ms) => void (clock.t += ms), env: {} };
  const session = dockerSession(ports, docker, { info: docker.infoValue }, DOCKERD, { id: 'docker', label: 'dockerd', daemonJsonPath: DAEMON_JSON, certsDir: CERTS });
  const preflights: string[] = [];
  const preflight = async (d: DesiredState): Promise<Preflight> => {
    preflights.push(d.registry);
    return { resolved: resolvedDesired({ registry: d.registry, mirrors: d.mirrors.filter((m) => m.startsWith('http')), caPem: pem('lab CA') }), ca: { pems: [pem('lab CA')], source: 'url' } };
  };
  const clockReading = async (): Promise<ClockReading> => ({ offsetMs: o.skewMs ?? 0, uncertaintyMs: 500 });
  const log = memoryLog();
  const timers = manualTimers(clock);
  const agent = new Agent({
    host: { ports },
    log,
    ports: { detect: async () => [session], preflight, clock: clockReading, caExpiry: () => [o.caNotAfter ?? NOW + 365 * 86_400_000] },
    timers,
    desiredFilePath: CONFIG,
    overrides: {},
  });
  const read = (path: string) => (fs.existsSync(path) ? String(fs.readFileSync(path, 'utf8')) : undefined);
  const write = (path: string, text: string) => fs.writeFileSync(path, text);
  return { agent, fs, files, docker, signals, log, timers, clock, preflights, read, write, refuseReload: () => (dockerdTakes = false), acceptReload: () => (dockerdTakes = true) };
}
