import { badInput } from './errors.js';
import { normalizeMirrorUrl, parseRegistry } from './registry-name.js';

// Mirrors are `upstream → mirror URL` pairs. Docker can mirror only Docker Hub
// (registry-mirrors); containerd (hosts.toml) and containers/image (registries.conf) can mirror
// any upstream, Docker Hub included (docs/host-behaviour.md).

/** How runtimes name Docker Hub as an upstream (containerd's hosts dir, registries.conf prefix). */
export const UPSTREAM_DOCKER_HUB = 'docker.io';

/** Docker Hub's own endpoint: containerd's `server` for docker.io. */
export const DOCKER_HUB_SERVER = 'https://registry-1.docker.io';

export interface MirrorPair {
  /** host[:port] of the registry being mirrored; `docker.io` for Docker Hub. */
  upstream: string;
  /** Normalised mirror URL (scheme, host[:port], optional path). */
  url: string;
}

/** Docker Hub's names, all meaning the same upstream. */
const HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

export const canonicalUpstream = (hostPort: string): string => (HUB_ALIASES.has(hostPort) ? UPSTREAM_DOCKER_HUB : hostPort);

/** `--mirror-for ghcr.io=https://nexus.example.com:8083` → { upstream: 'ghcr.io', url }. */
export function parseMirrorFor(input: string): MirrorPair {
  const eq = input.indexOf('=');
  if (eq <= 0) {
    throw badInput('ERR_BAD_MIRROR', `"${input}" is not UPSTREAM=URL`, 'Write it as --mirror-for ghcr.io=https://nexus.example.com:8083 (the upstream registry, then the mirror that serves it).');
  }
  const upstream = canonicalUpstream(parseRegistry(input.slice(0, eq).trim().toLowerCase()).hostPort);
  return { upstream, url: normalizeMirrorUrl(input.slice(eq + 1).trim()) };
}

/** Pairs without repeats, in the order given; Docker Hub's first. */
export function uniquePairs(pairs: readonly MirrorPair[]): MirrorPair[] {
  const seen = new Set<string>();
  const out: MirrorPair[] = [];
  for (const pair of [...pairs].sort((a, b) => Number(b.upstream === UPSTREAM_DOCKER_HUB) - Number(a.upstream === UPSTREAM_DOCKER_HUB))) {
    const key = `${pair.upstream} ${pair.url}`;
    if (!seen.has(key)) out.push(pair);
    seen.add(key);
  }
  return out;
}

export const hubMirrors = (pairs: readonly MirrorPair[]): string[] => pairs.filter((p) => p.upstream === UPSTREAM_DOCKER_HUB).map((p) => p.url);

/** Upstream → its mirror URLs, upstreams in first-seen order. */
export function byUpstream(pairs: readonly MirrorPair[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const p of pairs) map.set(p.upstream, [...(map.get(p.upstream) ?? []), p.url]);
  return map;
}
