import { DOCKER_HUB_SERVER, hubMirrors } from '../../core/mirrors.js';
import { joinHosts, type FileAction, type ResolvedDesired } from '../../core/plan-types.js';
import { normalizeMirrorUrl } from '../../core/registry-name.js';
import { planHostsFile, readHostTables, unplanHostsFile, type HostTable } from '../containerd/hosts.js';
import type { HostsEntry } from '../containerd/record.js';
import { underscoreDir } from './read-snapshot.js';
import type { DockerRecord } from './record.js';
import type { DockerSnapshot } from './snapshot.js';

// dockerd with the containerd image store (Docker ≥ 29 by default) resolves a registry through
// containerd's resolver rooted at its certs.d (moby daemon/hosts.go RegistryHosts):
// - certs.d/<host>/hosts.toml, when there, is all it reads for that host: the directory's *.crt
//   and client pairs are read only when there is no hosts.toml (containerd config/hosts.go
//   loadHostDir → loadCertFiles);
// - daemon.json's registry-mirrors and insecure-registries are merged in only while the host has a
//   single entry, i.e. no [host."…"] table (mergeLegacyConfig: `len(hosts) > 1` returns as is);
// - a registry-mirrors entry gets Docker Hub's HTTP client (mirrorsToRegistryHosts copies it), so
//   a mirror with a private CA is only trusted through a [host] table with `ca` of its own.
// So a CA, insecure setting or mirror regsetup installs the classic way is also written, with the
// containerd plug-in's writer, into the hosts.toml that would otherwise hide it.

export interface StoreHostsInput {
  /** The CA files this plan keeps in certs.d, per registry host (absolute host paths). */
  caPaths: ReadonlyMap<string, string[]>;
  /** The mirrors daemon.json lists once the plan is written (normalised). */
  daemonMirrors: readonly string[];
}

export interface StoreHostsPlan {
  actions: FileAction[];
  unchanged: string[];
  entries: HostsEntry[];
  warnings: string[];
}

const prefixOf = (s: DockerSnapshot) => `${s.certsDir.replace(/\/+$/, '')}/`;
const canon = (url: string) => {
  try {
    return normalizeMirrorUrl(url).toLowerCase();
  } catch {
    return url.toLowerCase();
  }
};

function content(desired: ResolvedDesired, caPaths: readonly string[] | undefined, capabilities: string[]): Record<string, unknown> {
  const dir = caPaths?.[0]?.replace(/\/[^/]+$/, '');
  return {
    capabilities,
    ...(caPaths && caPaths.length > 0 ? { ca: [...caPaths] } : {}),
    ...(desired.clientCert && dir ? { client: [[`${dir}/client.cert`, `${dir}/client.key`]] } : {}),
    ...(desired.insecure ? { skip_verify: true } : {}),
  };
}

/** The hosts.toml tables a join adds for the containerd image store, and the files it no longer needs. */
export function planStoreHosts(s: DockerSnapshot, desired: ResolvedDesired, previous: DockerRecord | undefined, input: StoreHostsInput): StoreHostsPlan {
  const warnings: string[] = [];
  const files: Array<{ path: string; server: string; tables: HostTable[] }> = [];
  const texts = s.hostsToml ?? {};
  const prefix = prefixOf(s);
  const hosts = joinHosts(desired);
  const unreadable = (path: string) => warnings.push(`${path} does not parse as TOML: dockerd (containerd image store) ignores it and reads the directory's certificates instead; regsetup leaves it as it is.`);

  if (s.dockerd.containerdStore) {
    for (const hostPort of hosts) {
      // containerd tries host_port_ before host:port: a directory of that name hides Docker's own.
      const dir = (s.certsDirs ?? []).includes(underscoreDir(hostPort)) ? underscoreDir(hostPort) : hostPort;
      const path = `${prefix}${dir}/hosts.toml`;
      const text = texts[path];
      if (dir !== hostPort && text === undefined) {
        warnings.push(`${prefix}${dir} exists: dockerd (containerd image store) reads it for ${hostPort} instead of ${prefix}${hostPort}, where regsetup installs the CA; move its files into ${prefix}${hostPort} (or remove it).`);
        continue;
      }
      if (text === undefined) continue; // no hosts.toml: the CA files and daemon.json apply as ever
      if (readHostTables(text, path) === undefined) {
        unreadable(path);
        continue;
      }
      const url = `${desired.plainHttp?.includes(hostPort) ? 'http' : 'https'}://${hostPort}`;
      files.push({ path, server: url, tables: [{ url, content: content(desired, input.caPaths.get(hostPort), ['pull', 'resolve', 'push']) }] });
    }

    const mirrors = hubMirrors(desired.mirrors);
    if (mirrors.length > 0) {
      const path = `${prefix}docker.io/hosts.toml`;
      const text = texts[path];
      const tables = mirrors.map((url) => {
        const mirrorHost = new URL(url).host;
        return { url, content: hosts.includes(mirrorHost) ? content(desired, input.caPaths.get(mirrorHost), ['pull', 'resolve']) : { capabilities: ['pull', 'resolve'] } };
      });
      const existing = text === undefined ? {} : readHostTables(text, path);
      if (existing === undefined) unreadable(path);
      else if (Object.keys(existing).length > 0) {
        files.push({ path, server: DOCKER_HUB_SERVER, tables });
        warnings.push(`${path} lists hosts of its own, so dockerd (containerd image store) ignores registry-mirrors for Docker Hub: regsetup adds its mirrors there too.`);
      } else if (tables.some((t) => 'ca' in t.content || 'client' in t.content)) {
        // Creating the file switches daemon.json's mirrors off for Docker Hub: only when they are all ours.
        const ours = new Set(mirrors.map(canon));
        const others = input.daemonMirrors.filter((m) => !ours.has(canon(m)));
        if (others.length === 0) files.push({ path, server: DOCKER_HUB_SERVER, tables });
        else {
          warnings.push(
            `dockerd (containerd image store) gives registry-mirrors Docker Hub's TLS settings, so ${mirrors.join(', ')} is trusted only through ${path}; ` +
              `regsetup does not write it because it would switch off the other mirrors of daemon.json (${others.join(', ')}). Add them there yourself, or verify shows the mirror is not used.`,
          );
        }
      }
    }
  }

  const actions: FileAction[] = [];
  const unchanged: string[] = [];
  const entries: HostsEntry[] = [];
  for (const f of files) {
    const before = previous?.hostsFiles?.find((h) => h.path === f.path);
    const planned = planHostsFile({ path: f.path, current: texts[f.path], server: f.server, tables: f.tables, ...(before ? { previous: before } : {}), registry: desired.registry });
    warnings.push(...planned.warnings);
    if (planned.action) actions.push(planned.action);
    else unchanged.push(f.path);
    if (planned.entry) entries.push(planned.entry);
  }
  // Tables of an earlier join this one no longer wants (a mirror dropped, the image store switched back).
  for (const old of previous?.hostsFiles ?? []) {
    if (entries.some((e) => e.path === old.path)) continue;
    const action = unplanHostsFile(old, texts[old.path], 'remove the hosts regsetup no longer needs there', warnings);
    if (action) actions.push(action);
  }
  return { actions, unchanged, entries, warnings };
}

/** [major, minor, patch] of "29.4.2", "v29.5.0-rc.1"; a pre-release counts as before its release. */
function versionOf(text: string): number[] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(-)?/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]) - (m[4] ? 0.5 : 0)] : undefined;
}

const before = (a: number[], b: number[]) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;

/**
 * Before 29.5.0 the containerd image store asked a registry's token service without the host's
 * CA or insecure setting (moby PR #52600, daemon/containerd/resolver.go): anonymous checks pass
 * while an authenticated pull or push fails. Only an authenticated pull and push prove it.
 */
export function storeWarnings(s: DockerSnapshot, desired: ResolvedDesired): string[] {
  if (!s.dockerd.containerdStore) return [];
  const version = versionOf(s.dockerd.version ?? '');
  if (version !== undefined && before(version, [29, 5, 0]) >= 0) return [];
  if (desired.caPems.length === 0 && !desired.insecure) return [];
  return [
    `dockerd ${s.dockerd.version ?? '(version unknown)'} uses the containerd image store, which before 29.5.0 asks the registry's token service without ${desired.insecure ? 'the insecure setting' : 'its CA'} (moby PR #52600): ` +
      `anonymous checks pass while an authenticated pull or push fails. Give --username and a password so verify pulls and pushes with them, or upgrade dockerd to 29.5.0 or later.`,
  ];
}
