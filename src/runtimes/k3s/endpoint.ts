// Endpoint addresses the way k3s reads them before it writes hosts.toml (k3s
// pkg/agent/containerd/config.go normalizeEndpointAddress, which follows containerd's
// remotes/docker/config/hosts.go): a bare host gets https:// (http:// for localhost on a port other
// than 443), docker.io becomes registry-1.docker.io, and a path of "", "/" or "/v2" becomes "/v2";
// any other path is kept and marked override_path. Two endpoints with the same normalised URL are
// the same table in hosts.toml — the duplicate containerd refuses (k3s #9693).

export interface NormalEndpoint {
  /** The URL k3s writes in `[host."…"]`. */
  url: string;
  /** host[:port] as written, before docker.io → registry-1.docker.io (what configs.<host> is looked up by). */
  registry: string;
  overridePath: boolean;
}

const LOCALHOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** undefined for an address k3s would skip as invalid ("Ignoring invalid endpoint URL"). */
export function normalizeEndpoint(endpoint: string): NormalEndpoint | undefined {
  const withScheme = endpoint.includes('://') ? endpoint : `//${endpoint}`;
  const m = /^(?:([a-z][a-z0-9+.-]*):)?\/\/([^/?#]*)([^?#]*)/i.exec(withScheme);
  if (!m || m[2] === '') return undefined;
  const registry = m[2]!;
  const portMatch = /:(\d+)$/.exec(registry);
  const hostOnly = portMatch ? registry.slice(0, -portMatch[0].length) : registry;
  const port = portMatch?.[1] ?? '';
  const scheme = m[1] ?? (LOCALHOST.test(hostOnly) && port !== '' && port !== '443' ? 'http' : 'https');
  const host = registry === 'docker.io' ? 'registry-1.docker.io' : registry;
  const rawPath = m[3] ?? '';
  const overridePath = !['', '/', '/v2'].includes(rawPath);
  return { url: `${scheme}://${host}${overridePath ? rawPath : '/v2'}`, registry: host === 'registry-1.docker.io' ? 'docker.io' : registry, overridePath };
}

/** The same endpoint for k3s (equal normalised URLs); an invalid one equals only itself. */
export const sameEndpoint = (a: string, b: string): boolean => (normalizeEndpoint(a)?.url ?? a) === (normalizeEndpoint(b)?.url ?? b);

/**
 * What regsetup writes as a k3s endpoint for a mirror URL (scheme, host[:port], optional path):
 * dockerd and containerd's default put the API under <path>/v2, but k3s takes any other path as
 * containerd's override_path (the API root itself), so a path gets its /v2 spelled out.
 */
export function endpointForMirror(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  const path = /^[a-z]+:\/\/[^/]+(\/.*)?$/i.exec(trimmed)?.[1] ?? '';
  return path === '' || path === '/v2' || path.endsWith('/v2') ? trimmed : `${trimmed}/v2`;
}
