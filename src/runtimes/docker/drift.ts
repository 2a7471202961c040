import { parseDaemonJson } from '../../core/daemon-json.js';
import { ownedFileState } from '../../core/owned-file.js';
import { normalizeMirrorUrl, parseInsecureEntry } from '../../core/registry-name.js';
import { readHostTables, tableDigest } from '../containerd/hosts.js';
import type { DriftItem } from '../types.js';
import type { DockerRecord } from './record.js';
import { certsFile, type DockerSnapshot } from './snapshot.js';

const canon = (fn: (s: string) => string, entry: string) => {
  try {
    return fn(entry).toLowerCase();
  } catch {
    return entry;
  }
};

/** How dockerd's files moved away from what join left: entries removed by hand, CA files changed or gone. */
export function dockerDrift(snapshot: DockerSnapshot, record: DockerRecord): DriftItem[] {
  const items: DriftItem[] = [];
  const path = snapshot.daemonJsonPath;
  let daemon: Record<string, unknown> = {};
  try {
    daemon = parseDaemonJson(snapshot.daemonJsonText ?? '', path);
  } catch (error) {
    items.push({ what: `${path} cannot be read: ${(error as Error).message}`, path });
  }
  const list = (key: string, fn: (s: string) => string) =>
    new Set((Array.isArray(daemon[key]) ? (daemon[key] as unknown[]) : []).filter((v): v is string => typeof v === 'string').map((v) => canon(fn, v)));
  const mirrors = list('registry-mirrors', normalizeMirrorUrl);
  const insecure = list('insecure-registries', parseInsecureEntry);
  for (const m of record.added.mirrors) if (!mirrors.has(canon(normalizeMirrorUrl, m))) items.push({ what: `registry-mirrors entry ${m} was removed from ${path}`, path });
  for (const h of record.added.insecure) if (!insecure.has(canon(parseInsecureEntry, h))) items.push({ what: `insecure-registries entry ${h} was removed from ${path}`, path });
  for (const h of record.hostsFiles ?? []) {
    const text = snapshot.hostsToml?.[h.path];
    const tables = text === undefined ? undefined : readHostTables(text, h.path);
    if (text === undefined) items.push({ what: `${h.path} is missing`, path: h.path });
    else if (tables === undefined) items.push({ what: `${h.path} no longer parses as TOML`, path: h.path });
    for (const t of tables === undefined ? [] : h.hosts) {
      const there = tables?.[t.url];
      if (there === undefined) items.push({ what: `[host."${t.url}"] was removed from ${h.path}`, path: h.path });
      else if (tableDigest(there) !== t.sha256) items.push({ what: `[host."${t.url}"] in ${h.path} was changed`, path: h.path });
    }
  }
  for (const file of record.files) {
    const state = ownedFileState(file, certsFile(snapshot, file.path));
    if (state !== 'ok') items.push({ what: `${file.path} is ${state}`, path: file.path });
  }
  return items;
}
