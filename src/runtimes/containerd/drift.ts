import { ownedFileState } from '../../core/owned-file.js';
import type { DriftItem } from '../types.js';
import { registrySettings } from './config.js';
import { readHostTables, tableDigest } from './hosts.js';
import type { ContainerdRecord } from './record.js';
import type { ContainerdSnapshot } from './snapshot.js';

/** How containerd's files moved away from what join left: tables removed or edited, files changed or gone, config_path off. */
export function containerdDrift(snap: ContainerdSnapshot, record: ContainerdRecord): DriftItem[] {
  const items: DriftItem[] = [];
  for (const h of record.hostsFiles) {
    const text = snap.hostsFiles[h.path];
    if (text === undefined) {
      items.push({ what: `${h.path} is missing`, path: h.path });
      continue;
    }
    const tables = readHostTables(text, h.path);
    if (tables === undefined) {
      items.push({ what: `${h.path} no longer parses as TOML (containerd ignores it and pulls without its mirrors)`, path: h.path });
      continue;
    }
    for (const host of h.hosts) {
      const there = tables[host.url];
      if (there === undefined) items.push({ what: `[host."${host.url}"] was removed from ${h.path}`, path: h.path });
      else if (tableDigest(there) !== host.sha256) items.push({ what: `[host."${host.url}"] in ${h.path} was changed`, path: h.path });
    }
  }
  const texts = (path: string) => snap.hostsFiles[path] ?? [snap.config, ...snap.imports].find((f) => f.path === path)?.text ?? (snap.provider?.executable.path === path ? snap.provider.executable.text : undefined);
  for (const file of record.files) {
    const state = ownedFileState(file, texts(file.path));
    if (state !== 'ok') items.push({ what: `${file.path} is ${state}`, path: file.path });
  }
  try {
    const settings = registrySettings(snap);
    if (!settings.configPath?.includes(record.hostsRoot)) items.push({ what: `CRI's config_path no longer names ${record.hostsRoot} (${snap.config.path}): hosts.toml is not read`, path: snap.config.path });
  } catch (error) {
    items.push({ what: (error as Error).message, path: snap.config.path });
  }
  return items;
}
