import { ownedFileState } from '../../core/owned-file.js';
import type { DriftItem } from '../types.js';
import { sameEndpoint } from './endpoint.js';
import type { K3sRecord } from './record.js';
import { parseRegistries, type ParsedRegistries } from './registries-file.js';
import { ownFile, type K3sSnapshot } from './snapshot.js';

const dotted = (path: readonly string[]) => path.join('.');

/** How registries.yaml and regsetup's own files moved away from what join left: entries removed or changed by hand, a CA changed or gone. */
export function k3sDrift(snapshot: K3sSnapshot, record: K3sRecord): DriftItem[] {
  const items: DriftItem[] = [];
  const path = snapshot.layout.registriesPath;
  const hasEntries = record.added.endpoints.length + record.added.values.length + record.added.auth.length > 0;
  let parsed: ParsedRegistries | undefined;
  if (snapshot.registriesProblem) items.push({ what: snapshot.registriesProblem.message, path });
  else if (snapshot.registriesText === undefined) {
    if (hasEntries) items.push({ what: `${path} is gone (it held the mirrors and settings of this join)`, path });
  } else {
    try {
      parsed = parseRegistries(snapshot.registriesText, path);
    } catch (error) {
      items.push({ what: (error as Error).message, path });
    }
  }
  if (parsed) {
    const doc = parsed.doc;
    for (const { mirror, url } of record.added.endpoints) {
      const list = doc.getIn(['mirrors', mirror, 'endpoint']) as { toJSON?: () => unknown } | undefined;
      const urls = Array.isArray(list?.toJSON?.()) ? (list!.toJSON!() as unknown[]).map(String) : [];
      if (!urls.some((u) => sameEndpoint(u, url))) items.push({ what: `mirrors.${mirror}.endpoint entry ${url} was removed from ${path}`, path });
    }
    for (const v of record.added.values) {
      const current: unknown = doc.getIn(v.path);
      if (current === undefined || current === null) items.push({ what: `${dotted(v.path)} was removed from ${path}`, path });
      else if (current !== v.value) items.push({ what: `${dotted(v.path)} in ${path} was changed by hand to ${String(current)} (join set ${String(v.value)})`, path });
    }
    for (const a of record.added.auth) {
      const user: unknown = doc.getIn(['configs', a.host, 'auth', 'username']);
      if (user === undefined || user === null) items.push({ what: `configs.${a.host}.auth was removed from ${path}`, path });
      else if (String(user) !== a.username) items.push({ what: `configs.${a.host}.auth in ${path} now holds another user's credentials`, path });
    }
  }
  for (const file of record.files) {
    const state = ownedFileState(file, ownFile(snapshot, file.path));
    if (state !== 'ok') items.push({ what: `${file.path} is ${state}`, path: file.path });
  }
  return items;
}
