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
      const fallback = texts[`${prefix}_default/hosts.toml`];
      if (text === undefined && fallback !== undefined && Object.keys(readHostTables(fallback, `${prefix}_default/hosts.toml`) ?? {}).length > 0) {
        // containerd falls back to _default for a host without a directory of its own.
        warnings.push(`${prefix}_default/hosts.toml lists hosts, so dockerd (containerd image store) ignores registry-mirrors for Docker Hub; regsetup does not change _default: add ${mirrors.join(', ')} there, or give Docker Hub a ${prefix}docker.io/hosts.toml of its own.`);
      } else if (existing === undefined) unreadable(path);
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
