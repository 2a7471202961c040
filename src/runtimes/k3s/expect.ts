import { normalizeEndpoint } from './endpoint.js';
import { hostsTomlPath, type K3sLayout } from './layout.js';
import type { RegistriesValue } from './registries-file.js';

// What the agent's generated hosts.toml files must show once it has restarted with a
// registries.yaml — plain data for confirm. The rule follows k3s's getHostConfigs
// (pkg/agent/containerd/config.go): a host gets a hosts.toml when its configs entry has auth or
// tls, or its mirror lists an endpoint other than the host's own default one; each endpoint
// becomes a [host."<normalised URL>"] table, and tls.ca_file is written as `ca = ["<path>"]`.

export interface HostsTomlExpectation {
  host: string;
  /** A host path under the agent's certs.d (read only). */
  path: string;
  /** Strings the generated file must contain: endpoint URLs, the CA path. */
  contains: string[];
}

export interface K3sExpect {
  hosts: HostsTomlExpectation[];
}

const defaultUrl = (host: string): string | undefined => normalizeEndpoint(host)?.url;

/** The expectations for the hosts regsetup configures (others' entries are not ours to check). */
export function expectFrom(value: RegistriesValue, layout: Pick<K3sLayout, 'certsDir'>, hosts: readonly string[]): K3sExpect {
  const out: HostsTomlExpectation[] = [];
  for (const host of hosts) {
    const config = value.configs[host];
    const endpoints = (value.mirrors[host]?.endpoint ?? []).map((e) => normalizeEndpoint(e)?.url).filter((u): u is string => u !== undefined && u !== defaultUrl(host));
    const tls = config?.tls ?? {};
    const hasConfig = Object.keys(tls).length > 0 || (config?.auth !== undefined && Object.keys(config.auth).length > 0);
    if (endpoints.length === 0 && !hasConfig) continue;
    out.push({ host, path: hostsTomlPath(layout, host), contains: [...new Set([...endpoints, ...(tls.ca_file ? [tls.ca_file] : [])])] });
  }
  return { hosts: out };
}
