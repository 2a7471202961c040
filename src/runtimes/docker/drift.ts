import { parseDaemonJson } from '../../core/daemon-json.js';
import { ownedFileState } from '../../core/owned-file.js';
import { normalizeMirrorUrl, parseInsecureEntry } from '../../core/registry-name.js';
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
  for (const file of record.files) {
    const state = ownedFileState(file, certsFile(snapshot, file.path));
    if (state !== 'ok') items.push({ what: `${file.path} is ${state}`, path: file.path });
  }
  return items;
}
