import { REGSETUP_HELPER } from '../../core/docker-config-edit.js';
import { ownedFileState } from '../../core/owned-file.js';
import type { DriftItem } from '../types.js';
import { parseAuthJson } from './auth-file.js';
import type { ContainersRecord } from './record.js';
import { parseRegistriesConf, prefixOf, trimLocation, type RegistryTable } from './registries-conf.js';
import { certsFile, textOf, type ContainersSnapshot } from './snapshot.js';

/** How the containers files moved away from what join left: entries and mirrors removed by hand, CA files changed or gone, credHelpers entries dropped. */
export function containersDrift(snapshot: ContainersSnapshot, record: ContainersRecord): DriftItem[] {
  const items: DriftItem[] = [];
  const path = record.dropIn;
  const found = snapshot.dropIns.find((d) => d.path === path)?.file ?? { state: 'absent' as const };
  let tables: RegistryTable[] | undefined;
  if (found.state === 'absent') {
    if (record.entries.length > 0) items.push({ what: `${path} is missing (it held ${record.entries.map((e) => e.prefix).join(', ')})`, path });
  } else if (textOf(found) === undefined) {
    items.push({ what: `${path} cannot be read (${found.state})`, path });
  } else {
    try {
      tables = parseRegistriesConf(textOf(found)!, path, { ours: true, dropIn: true }).tables;
    } catch (error) {
      items.push({ what: `${path} cannot be read: ${(error as Error).message}`, path });
    }
  }
  for (const e of tables === undefined ? [] : record.entries) {
    const table = tables!.find((t) => prefixOf(t) === e.prefix);
    if (table === undefined) {
      items.push({ what: `entry ${e.prefix} was removed from ${path}`, path });
      continue;
    }
    const mirrors = new Set((table.mirror ?? []).map((m) => trimLocation(m.location ?? '')));
    for (const m of e.mirrors) if (!mirrors.has(m)) items.push({ what: `mirror ${m} of ${e.prefix} was removed from ${path}`, path });
    if (e.insecure && table.insecure !== true) items.push({ what: `insecure = true of ${e.prefix} was removed from ${path}`, path });
  }
  for (const file of record.files) {
    const state = ownedFileState(file, certsFile(snapshot, file.path));
    if (state !== 'ok') items.push({ what: `${file.path} is ${state}`, path: file.path });
  }
  if (record.authFile !== undefined && record.authFile.path === snapshot.layout.authFile) {
    const { path: auth, keys } = record.authFile;
    let helpers: Record<string, string> = {};
    try {
      helpers = parseAuthJson(textOf(snapshot.authFile), auth).credHelpers ?? {};
    } catch (error) {
      items.push({ what: `${auth} cannot be read: ${(error as Error).message}`, path: auth });
    }
    for (const key of keys) {
      if (helpers[key] !== REGSETUP_HELPER) items.push({ what: `credHelpers entry ${key} of ${auth} ${helpers[key] === undefined ? 'was removed' : `names ${helpers[key]} now`}`, path: auth });
    }
  }
  return items;
}
