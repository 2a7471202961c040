import { sha256Hex } from '../../core/digest.js';
import type { JournalEntry } from '../../core/journal.js';
import type { MirrorPair } from '../../core/mirrors.js';
import type { ResolvedDesired, RuntimePlan } from '../../core/plan-types.js';
import { hostDir } from '../../runtimes/containerd/plan.js';
import type { ContainerdRecord, PlannedContainerdRecord } from '../../runtimes/containerd/record.js';
import type { ContainerdSnapshot } from '../../runtimes/containerd/snapshot.js';
import { registrySettings } from '../../runtimes/containerd/config.js';

// doctor's containerd fix is a join of the registry again, through join's planner and apply. The
// journal keeps what that join wrote (paths, and digests of every file and [host] table), not the
// flags it was given: the desired state is rebuilt from the record and the files still intact
// (the CA, the client pair), and the fix goes ahead only when planning it reproduces every digest
// on record — so it writes back what that join wrote, and nothing that was guessed.

/** "host_port_" (containerd's directory for host:port) → "host:port". */
const upstreamOf = (dir: string): string => dir.replace(/^(.+)_(\d+)_$/, '$1:$2');
const dirOf = (path: string): string => path.slice(0, path.lastIndexOf('/'));
const nameOf = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** A file regsetup installed, as it is now: undefined when it is gone or no longer what was written. */
function intact(snap: ContainerdSnapshot, file: { path: string; sha256: string }): string | undefined {
  const text = snap.hostsFiles[file.path];
  return text !== undefined && sha256Hex(text) === file.sha256 ? text : undefined;
}

export type Rebuilt = { candidates: ResolvedDesired[] } | { why: string };

/**
 * The desired states that may be what the last join asked for (insecure or not is not on record:
 * both are tried, and the digests decide). `why` when the record cannot be rebuilt from the host.
 */
export function rebuildJoin(entry: JournalEntry, record: ContainerdRecord, snap: ContainerdSnapshot): Rebuilt {
  const registry = entry.registry;
  const own = [registry, ...(entry.pushRegistry ? [entry.pushRegistry] : [])];
  const ownDirs = new Set(own.map((h) => hostDir(snap, record.hostsRoot, h)));
  const regDir = hostDir(snap, record.hostsRoot, registry);
  const cas: string[] = [];
  for (const f of record.files.filter((x) => dirOf(x.path) === regDir && x.path.endsWith('.crt')).sort((a, b) => Number(nameOf(b.path) === 'ca.crt') - Number(nameOf(a.path) === 'ca.crt'))) {
    const text = intact(snap, f);
    if (text === undefined) return { why: `${f.path}, the CA join installed, is missing or was changed` };
    cas.push(text);
  }
  const pair = ['client.cert', 'client.key'].map((n) => record.files.find((f) => f.path === `${regDir}/${n}`));
  let clientCert: ResolvedDesired['clientCert'];
  if (pair[0] && pair[1]) {
    const [cert, key] = pair.map((f) => intact(snap, f!));
    if (cert === undefined || key === undefined) return { why: `the client certificate join installed in ${regDir} is missing or was changed` };
    clientCert = { cert, key };
  }
  const mirrors: MirrorPair[] = [];
  const plainHttp: string[] = [];
  for (const h of record.hostsFiles) {
    const dir = dirOf(h.path);
    if (ownDirs.has(dir)) {
      const host = own.find((x) => hostDir(snap, record.hostsRoot, x) === dir)!;
      if (h.hosts.some((t) => t.url.startsWith('http://'))) plainHttp.push(host);
      continue;
    }
    for (const t of h.hosts) mirrors.push({ upstream: upstreamOf(nameOf(dir)), url: t.url });
  }
  let deprecated: boolean;
  try {
    deprecated = registrySettings(snap).deprecated.length > 0;
  } catch (error) {
    return { why: (error as Error).message };
  }
  const base: ResolvedDesired = {
    registry,
    ...(entry.pushRegistry ? { pushRegistry: entry.pushRegistry } : {}),
    mirrors,
    insecure: false,
    ...(plainHttp.length > 0 ? { plainHttp } : {}),
    caPems: cas,
    ...(clientCert ? { clientCert } : {}),
    restart: 'auto',
    kubeletCredentialProvider: false,
    // CRI does not load with them next to config_path: moving them is part of the repair.
    migrateContainerdMirrors: deprecated,
    k3sStoreAuthPlaintext: false,
    replaceUnparsable: true,
  };
  return { candidates: [base, { ...base, insecure: true }] };
}

/** What the planned record does not reproduce of the one on record; undefined when it reproduces all of it. */
export function unreproduced(old: ContainerdRecord, planned: RuntimePlan): string | undefined {
  const next = planned.record as PlannedContainerdRecord | undefined | null;
  if (!next) return 'the plan keeps no record';
  if (next.hostsRoot !== old.hostsRoot) return `the hosts root is now ${next.hostsRoot}, not ${old.hostsRoot}`;
  for (const h of old.hostsFiles) {
    const now = next.hostsFiles.find((x) => x.path === h.path);
    for (const t of h.hosts) if (!now?.hosts.some((x) => x.url === t.url && x.sha256 === t.sha256)) return `[host."${t.url}"] of ${h.path} would not be what join wrote`;
  }
  for (const f of old.files) if (!next.files.some((x) => x.path === f.path && x.sha256 === f.sha256)) return `${f.path} would not be what join wrote`;
  return undefined;
}
