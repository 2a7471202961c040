// Where k3s and rke2 keep what regsetup touches. Both are the same agent underneath (rke2 embeds
// k3s's agent): the registry file is /etc/rancher/<kind>/registries.yaml (the default of their
// --private-registry flag, docs.k3s.io/cli/agent, docs.rke2.io/reference/linux_agent_config), and at
// every start they regenerate containerd's hosts.toml files from it under
// <data-dir>/agent/etc/containerd/certs.d/<host>/ (k3s pkg/agent/containerd/config.go
// writeContainerdHosts) — a directory regsetup only ever reads.

export type K3sKind = 'k3s' | 'rke2';
export type K3sRole = 'server' | 'agent';

export interface K3sLayout {
  kind: K3sKind;
  /** The session id and journal key: `k3s` or `rke2` (one such agent runs on a node). */
  id: string;
  label: string;
  /** The registries.yaml this agent reads (its --private-registry wins). A host path. */
  registriesPath: string;
  /** regsetup's own directory for the CA and client files it installs: /etc/rancher/<kind>/regsetup. */
  ownDir: string;
  /** Where the agent writes containerd's hosts.toml files (read only, for confirm and doctor). */
  certsDir: string;
}

export const configDir = (kind: K3sKind): string => `/etc/rancher/${kind}`;
export const defaultRegistriesPath = (kind: K3sKind): string => `${configDir(kind)}/registries.yaml`;
export const defaultDataDir = (kind: K3sKind): string => `/var/lib/rancher/${kind}`;
export const certsDirOf = (dataDir: string): string => `${dataDir.replace(/\/+$/, '')}/agent/etc/containerd/certs.d`;

/** The systemd unit of each role: the k3s installer names them k3s / k3s-agent; rke2 ships rke2-server / rke2-agent. */
export function unitFor(kind: K3sKind, role: K3sRole): string {
  if (kind === 'k3s') return role === 'server' ? 'k3s.service' : 'k3s-agent.service';
  return `rke2-${role}.service`;
}

export const UNITS: Record<K3sKind, readonly string[]> = {
  k3s: ['k3s.service', 'k3s-agent.service'],
  rke2: ['rke2-server.service', 'rke2-agent.service'],
};

export function layoutFor(kind: K3sKind, o: { registriesPath?: string; dataDir?: string } = {}): K3sLayout {
  return {
    kind,
    id: kind,
    label: kind,
    registriesPath: o.registriesPath ?? defaultRegistriesPath(kind),
    ownDir: `${configDir(kind)}/regsetup`,
    certsDir: certsDirOf(o.dataDir ?? defaultDataDir(kind)),
  };
}

const trim = (path: string) => path.replace(/\/+$/, '');

/** The CA regsetup installs for one registry, in a directory of its own (never k3s's generated certs.d). */
export const ownPath = (layout: Pick<K3sLayout, 'ownDir'>, hostPort: string, name: 'ca.crt' | 'client.cert' | 'client.key'): string =>
  `${trim(layout.ownDir)}/${hostPort}/${name}`;

/** The generated hosts.toml of one registry host (k3s names the directory after the host, "*" as _default). */
export const hostsTomlPath = (layout: Pick<K3sLayout, 'certsDir'>, host: string): string =>
  `${trim(layout.certsDir)}/${host === '*' ? '_default' : host}/hosts.toml`;
