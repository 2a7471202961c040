import { parseToml } from '../../core/toml-text.js';
import { criClient } from '../../host/cri/cri-client.js';
import { rooted } from '../../host/host-path.js';
import { findProcesses, flagValue } from '../../host/proc.js';
import type { HostPorts, Runtime, RuntimeSession } from '../types.js';
import { DEFAULT_CONFIG, DEFAULT_SOCKET } from './config.js';
import { containerdRecord } from './record.js';
import { containerdSession, type ContainerdProcess } from './session.js';
import type { ContainerdSnapshot } from './snapshot.js';

/** "v1.6.20~ds1", "1.7.13", "containerd github.com/containerd/containerd 1.6.20~ds1 …" → 1.6. */
export function parseVersion(text: string): ContainerdSnapshot['version'] | undefined {
  const m = /\bv?(\d+)\.(\d+)\.(\d+)\S*/.exec(text);
  return m ? { major: Number(m[1]), minor: Number(m[2]), text: m[0] } : undefined;
}

/** dockerd's own containerd (it supervises one when no system containerd runs) is not a Kubernetes runtime. */
const dockerOwned = (argv: string[], ppid: number, dockerds: Set<number>) => {
  const config = flagValue(argv, '--config', '-c') ?? '';
  return dockerds.has(ppid) || /^\/(var\/)?run\/docker\//.test(config);
};

async function describe(host: HostPorts, pid: number, argv: string[]): Promise<ContainerdProcess> {
  const files = rooted(host.files, host.root);
  const configFile = flagValue(argv, '--config', '-c') ?? DEFAULT_CONFIG;
  let socket = flagValue(argv, '--address', '-a');
  if (socket === undefined) {
    try {
      const text = await files.readText(configFile);
      const grpc = text === undefined ? undefined : (parseToml(text, configFile).grpc as { address?: unknown } | undefined);
      socket = typeof grpc?.address === 'string' && grpc.address !== '' ? grpc.address : DEFAULT_SOCKET;
    } catch {
      socket = DEFAULT_SOCKET; // the planner refuses the malformed file with its line
    }
  }
  const client = criClient({ socket: `${host.root === '/' ? '' : host.root}${socket}`, timeoutMs: 3_000 });
  try {
    const v = await client.version();
    return { pid, argv, configFile, socket, version: parseVersion(v.runtimeVersion) ?? { major: 1, minor: 6, text: v.runtimeVersion }, cri: true };
  } catch (error) {
    const exe = await host.processes.run(`/proc/${pid}/exe`, ['--version'], { timeoutMs: 5_000 });
    const version = parseVersion(exe.stdout) ?? { major: 1, minor: 6, text: 'unknown' };
    return { pid, argv, configFile, socket, version, cri: false, criError: error as Error };
  } finally {
    client.close();
  }
}

async function kubeletFlags(host: HostPorts): Promise<ContainerdSnapshot['kubelet']> {
  const kubelet = (await findProcesses(host.files, host.root, ['kubelet']))[0];
  if (kubelet === undefined) return undefined;
  const configPath = flagValue(kubelet.argv, '--image-credential-provider-config');
  const binDir = flagValue(kubelet.argv, '--image-credential-provider-bin-dir');
  return { ...(configPath ? { configPath } : {}), ...(binDir ? { binDir } : {}) };
}

export const containerdRuntime: Runtime = {
  kind: 'containerd',
  async detect(host: HostPorts): Promise<RuntimeSession[]> {
    const procs = await findProcesses(host.files, host.root, ['containerd', 'dockerd']);
    const dockerds = new Set(procs.filter((p) => p.comm === 'dockerd').map((p) => p.pid));
    const mine = procs.filter((p) => p.comm === 'containerd' && !dockerOwned(p.argv, p.ppid, dockerds));
    if (mine.length === 0) return [];
    const kubelet = await kubeletFlags(host);
    const described = await Promise.all(mine.map((p) => describe(host, p.pid, p.argv)));
    return described.map((d) => containerdSession(host, d.socket === DEFAULT_SOCKET || described.length === 1 ? 'containerd' : `containerd:${d.socket}`, d, d.configFile, kubelet));
  },
  async offline(host, id, record) {
    const r = containerdRecord(record)!;
    return containerdSession(host, id, undefined, r.configFile, await kubeletFlags(host));
  },
};
