import { normalizeEndpoint } from './endpoint.js';
import type { RegistriesValue } from './registries-file.js';

// The shapes of registries.yaml that make k3s's generated hosts.toml silently useless:
//
// - An endpoint listed twice for one mirror (after k3s's own normalisation, so `r.example.com`,
//   `https://r.example.com` and `https://r.example.com/v2` are one): k3s before v1.29.3, v1.28.8,
//   v1.27.12 and v1.26.15 wrote the same [host."…"] table twice, containerd refused the file
//   ("failed to parse TOML: duplicated tables") and none of that mirror's endpoints were used
//   (k3s #9693; later releases drop the repeat with a warning, k3s #9697).
// - A configs.<host> entry (auth or tls) that no mirror uses — neither a mirrors key nor the host
//   of any endpoint: k3s v1.29.3 (and the same month's v1.28.8, v1.27.12, v1.26.15) wrote such a
//   host's hosts.toml with no [host] table, containerd refused it ("invalid `host` tree") and the
//   CA and credentials were ignored (k3s #9983, #9839; containerd #10027; worked around by k3s
//   #9853 from v1.29.4). regsetup always pairs the configs it writes with a mirrors entry.

export interface DuplicateEndpoint {
  mirror: string;
  /** The normalised URL both entries mean. */
  url: string;
  /** Indexes in the endpoint list: the first one and the repeat. */
  first: number;
  repeat: number;
}

export function duplicateEndpoints(value: RegistriesValue): DuplicateEndpoint[] {
  const found: DuplicateEndpoint[] = [];
  for (const [mirror, { endpoint }] of Object.entries(value.mirrors)) {
    const seen = new Map<string, number>();
    endpoint.forEach((e, i) => {
      const url = normalizeEndpoint(e)?.url;
      if (url === undefined) return;
      const first = seen.get(url);
      if (first === undefined) seen.set(url, i);
      else found.push({ mirror, url, first, repeat: i });
    });
  }
  return found;
}

const hasSettings = (c: RegistriesValue['configs'][string]): boolean =>
  (c.auth !== undefined && Object.values(c.auth).some((v) => v !== null && v !== undefined && v !== '')) ||
  (c.tls !== undefined && Object.keys(c.tls).length > 0);

/** configs hosts with settings that no mirrors entry uses ("*" is the wildcard, k3s's _default). */
export function configsWithoutMirror(value: RegistriesValue): string[] {
  const used = new Set(Object.keys(value.mirrors));
  for (const { endpoint } of Object.values(value.mirrors)) {
    for (const e of endpoint) {
      const n = normalizeEndpoint(e);
      if (n) used.add(n.registry);
    }
  }
  return Object.entries(value.configs)
    .filter(([host, c]) => host !== '*' && hasSettings(c) && !used.has(host))
    .map(([host]) => host);
}
