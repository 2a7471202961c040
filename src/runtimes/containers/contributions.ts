import { byUpstream } from '../../core/mirrors.js';
import { joinHosts, type ResolvedDesired } from '../../core/plan-types.js';

// What one join asks of the drop-in, as [[registry]] tables keyed by prefix: the registry and the
// push registry themselves (insecure only with --insecure), and one table per mirrored upstream —
// docker.io and every --mirror-for upstream alike — with its [[registry.mirror]] entries.

export interface WantedMirror {
  /** host[:port][/path]: containers/image wants no scheme (parseLocation refuses one). */
  location: string;
  insecure: boolean;
}

export interface Contribution {
  prefix: string;
  insecure: boolean;
  mirrors: WantedMirror[];
}

/** The mirror URL (scheme://host[:port][/path], normalised) as a [[registry.mirror]]. */
export function mirrorOf(url: string, insecureHosts: readonly string[]): WantedMirror {
  const parsed = /^(https?):\/\/([^/]+)(\/.*)?$/.exec(url)!;
  const [, scheme, hostPort, path = ''] = parsed as unknown as [string, string, string, string?];
  // insecure = true lets containers/image use plain HTTP (and skip TLS verification): an http:// mirror
  // needs it, and so does a mirror on a registry joined with --insecure.
  return { location: `${hostPort}${path}`, insecure: scheme === 'http' || insecureHosts.includes(hostPort) };
}

export function contributions(desired: ResolvedDesired, warnings: string[]): Contribution[] {
  const hosts = joinHosts(desired);
  const wanted: Contribution[] = hosts.map((prefix) => ({ prefix, insecure: desired.insecure, mirrors: [] }));
  for (const [upstream, urls] of byUpstream(desired.mirrors)) {
    const mirrors = urls.map((url) => mirrorOf(url, desired.insecure ? hosts : []));
    for (const m of mirrors.filter((x) => x.location.includes('/'))) {
      // Docker and containerd put a mirror URL's path before /v2/; containers/image puts a location's path inside the repository name.
      warnings.push(`podman uses the mirror ${m.location} for ${upstream} with its path as a repository prefix (/v2/${m.location.slice(m.location.indexOf('/') + 1)}/<image>), unlike Docker and containerd, which put the path before /v2/.`);
    }
    const same = wanted.find((c) => c.prefix === upstream);
    if (same) same.mirrors.push(...mirrors);
    else wanted.push({ prefix: upstream, insecure: false, mirrors });
  }
  return wanted;
}
