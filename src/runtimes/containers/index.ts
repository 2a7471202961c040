import { findContainersTools, findCrio } from '../../host/containers-tools.js';
import { homeDir } from '../../host/user.js';
import type { HostPorts, Runtime, RuntimeSession } from '../types.js';
import { containersSession, type ContainersFacts } from './session.js';
import { containersLayout, type ContainersLayout } from './snapshot.js';

export const CONTAINERS_SESSION_ID = 'containers';

const labelOf = (facts: ContainersFacts): string => {
  const tools = ['podman', 'buildah', 'skopeo'].filter((t) => facts.tools[t] !== undefined);
  if (facts.crio) return tools.length > 0 ? `CRI-O (and ${tools.join(', ')})` : 'CRI-O';
  return tools.join(', ') || 'podman';
};

function layoutFor(host: HostPorts, id: string, label: string): ContainersLayout {
  // The files of the user running regsetup (root on a node: /root/.config/…, /run/containers/0).
  return containersLayout(host.env, process.getuid?.() ?? 0, homeDir(host.env), { id, label });
}

/**
 * The containers/image family: podman, buildah and skopeo (no daemon: "running" when installed,
 * they read the files at every command) and CRI-O (a daemon, found by its process). One session
 * for all of them, since they share every file (see session.ts).
 */
export const containersRuntime: Runtime = {
  kind: 'podman',
  serves: ['podman', 'crio'],
  async detect(host: HostPorts): Promise<RuntimeSession[]> {
    const tools = await findContainersTools(host.files, host.root, host.env);
    const crio = await findCrio({ files: host.files, root: host.root }).catch(() => undefined);
    const facts: ContainersFacts = { tools, ...(crio ? { crio } : {}) };
    if (tools.podman === undefined && tools.buildah === undefined && tools.skopeo === undefined && crio === undefined) return [];
    return [containersSession(host, facts, layoutFor(host, CONTAINERS_SESSION_ID, labelOf(facts)))];
  },
  async offline(host, id) {
    // Neither tool nor daemon is here any more: the files can still be read, cleaned up and reported on.
    return containersSession(host, { tools: {} }, layoutFor(host, id, 'podman, buildah, skopeo, CRI-O (not installed)'), false);
  },
};
