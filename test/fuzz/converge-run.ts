import { applyPrepared, prepareJoinResolved, type ConvergeHost } from '../../src/converge/converge.js';
import type { ResolvedDesired } from '../../src/core/plan-types.js';
import { nodeFiles, type FsModule } from '../../src/host/files.js';
import type { Processes } from '../../src/host/processes.js';
import type { Preflight } from '../../src/preflight/resolve.js';
import { containerdSession } from '../../src/runtimes/containerd/session.js';
import { containersSession } from '../../src/runtimes/containers/session.js';
import { containersLayout } from '../../src/runtimes/containers/snapshot.js';
import { layoutFor } from '../../src/runtimes/k3s/layout.js';
import { k3sSession } from '../../src/runtimes/k3s/session.js';
import type { HostPorts, RuntimeSession } from '../../src/runtimes/types.js';

// A join through converge and apply as the commands run it — the real snapshot, planner, checks,
// lock, backup, journal and atomic writes — on a memfs node under --root, for one runtime whose
// files the fuzz corpus damages. The runtimes' daemons are fakes that take whatever they are
// given (containerd's restart, its CRI confirm): what is under test is what regsetup reads and writes.

export type FuzzRuntime = 'containerd' | 'containers' | 'k3s';

export const FUZZ_ROOT = '/host';
export const CONTAINERD_CONFIG = '/etc/containerd/config.toml';

const quiet: Processes = {
  run: async () => ({ exitCode: 0, stdout: '', stderr: '', timedOut: false }),
  sendSignal: () => undefined,
  isAlive: () => true,
};

function sessionFor(runtime: FuzzRuntime, ports: HostPorts): RuntimeSession {
  if (runtime === 'k3s') return k3sSession(ports, layoutFor('k3s'), undefined);
  if (runtime === 'containers') return containersSession(ports, { tools: { podman: '/usr/bin/podman' } }, containersLayout(ports.env, 0, '/root', { id: 'containers', label: 'podman' }));
  const real = containerdSession(ports, 'containerd', { pid: 900, argv: ['containerd'], configFile: CONTAINERD_CONFIG, socket: '/run/containerd/containerd.sock', version: { major: 1, minor: 7, text: '1.7.13' }, cri: true }, CONTAINERD_CONFIG, undefined);
  // A containerd that restarts at once and always shows config_path.
  return { ...real, activate: async () => undefined, confirm: async () => undefined };
}

/** Join `desired` with one runtime on fs (a memfs volume) under FUZZ_ROOT; throws what the join throws. */
export async function joinOnMemfs(fs: unknown, runtime: FuzzRuntime, desired: ResolvedDesired): Promise<void> {
  const files = nodeFiles(fs as FsModule, { timeoutMs: 50, pollMs: 5 });
  let t = Date.parse('2026-05-01T10:00:00Z');
  const ports: HostPorts = { root: FUZZ_ROOT, files, processes: quiet, clock: { now: () => (t += 1000) }, sleep: async (ms) => void (t += ms), env: { PATH: '/usr/bin', HOME: '/root' }, uid: 0, stateDir: '/var/lib/regsetup' };
  const host: ConvergeHost = { ports };
  const prepared = await prepareJoinResolved({ resolved: desired } as Preflight, [sessionFor(runtime, ports)], host);
  await applyPrepared(prepared, host, { yes: true, note: () => undefined });
}
