import { rooted } from '../../host/host-path.js';
import type { HostPorts, Runtime, RuntimeSession } from '../types.js';
import { configDir, layoutFor, type K3sKind } from './layout.js';
import { findK3s } from './process.js';
import { k3sRecord } from './record.js';
import { k3sSession } from './session.js';

// k3s and rke2 are one plug-in with two kinds: the same registries.yaml, the same restart, other paths.

function agentRuntime(kind: K3sKind): Runtime {
  return {
    kind,
    async detect(host: HostPorts): Promise<RuntimeSession[]> {
      const files = rooted(host.files, host.root);
      const agent = await findK3s(files, kind).catch(() => undefined);
      if (agent === undefined && !(await files.exists(configDir(kind)))) return [];
      return [k3sSession(host, layoutFor(kind, { ...(agent?.registriesPath ? { registriesPath: agent.registriesPath } : {}), ...(agent?.dataDir ? { dataDir: agent.dataDir } : {}) }), agent)];
    },
    async offline(host, _id, record) {
      const r = k3sRecord(record);
      return r === undefined ? undefined : k3sSession(host, layoutFor(kind, { registriesPath: r.registriesPath }), undefined);
    },
  };
}

export const k3sRuntime = agentRuntime('k3s');
export const rke2Runtime = agentRuntime('rke2');
