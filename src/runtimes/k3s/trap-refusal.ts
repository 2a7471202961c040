import { refused } from '../../core/errors.js';
import { positionOf, type ParsedRegistries } from './registries-file.js';
import { configsWithoutMirror, duplicateEndpoints } from './traps.js';

// The traps of traps.ts in words a user can act on, with the line of the entry.

/** located: the document whose lines the messages name (the file as the user wrote it, when the trap is already there). */
export function trapProblems(parsed: ParsedRegistries, path: string, located: ParsedRegistries = parsed): Array<{ id: 'k3s-duplicate-endpoint' | 'k3s-configs-without-mirror'; what: string; fix: string }> {
  const out: Array<{ id: 'k3s-duplicate-endpoint' | 'k3s-configs-without-mirror'; what: string; fix: string }> = [];
  for (const d of duplicateEndpoints(parsed.value)) {
    out.push({
      id: 'k3s-duplicate-endpoint',
      what: `${path}${positionOf(located, ['mirrors', d.mirror, 'endpoint', String(d.repeat)])}: mirrors.${d.mirror}.endpoint lists ${d.url} twice (entries ${d.first + 1} and ${d.repeat + 1})`,
      fix: `Remove the repeated endpoint from mirrors.${d.mirror}.endpoint in ${path}. Older k3s releases write it twice into hosts.toml, which containerd then refuses ("duplicated tables"), ignoring every endpoint of ${d.mirror} (k3s #9693).`,
    });
  }
  for (const host of configsWithoutMirror(parsed.value)) {
    out.push({
      id: 'k3s-configs-without-mirror',
      what: `${path}${positionOf(located, ['configs', host])}: configs.${host} has settings, but no mirrors entry uses ${host}`,
      fix: `Add a mirror entry for it (mirrors."${host}".endpoint: ["https://${host}"]), as regsetup does for the registries it manages. k3s v1.29.3 (and v1.28.8, v1.27.12) writes a hosts.toml without a [host] table for a configs-only entry, which containerd refuses, ignoring its CA and credentials (k3s #9983, #9839); upgrade such a k3s.`,
    });
  }
  return out;
}

export function refuseTraps(parsed: ParsedRegistries, path: string, located: ParsedRegistries = parsed): void {
  const [first, ...rest] = trapProblems(parsed, path, located);
  if (!first) return;
  throw refused('ERR_K3S_REGISTRIES_TRAP', [first.what, ...rest.map((p) => p.what)].join('\n  '), `${first.fix} Nothing was changed.`);
}

export const trapWarnings = (parsed: ParsedRegistries, path: string): string[] => trapProblems(parsed, path).map((p) => `${p.what}. ${p.fix}`);
