import { emptyDropIn, type DropInModel } from './drop-in.js';
import { effectiveTables, parseRegistriesConf, prefixOf, type RegistriesConf } from './registries-conf.js';
import { readable, type ContainersSnapshot } from './snapshot.js';

// Every registries file containers/image loads, in its order (tryUpdatingCache): registries.conf,
// the system drop-ins by name, then — unless a user registries.conf replaces all of that — the
// user's drop-ins. regsetup's drop-in sits among the system ones: files before it are the base
// its tables replace, files after it can replace its tables in turn.

export interface ConfigSet {
  main?: RegistriesConf;
  ours: DropInModel;
  oursText?: string;
  /** registries.conf and the drop-ins read before regsetup's. */
  before: Array<{ path: string; conf: RegistriesConf }>;
  /** System drop-ins read after regsetup's, then the user's (as root's podman reads them). */
  after: Array<{ path: string; conf: RegistriesConf }>;
}

/** Parse the set; refuses (exit 4, file and line named) any file podman itself would fail on. */
export function readConfigSet(snapshot: ContainersSnapshot): ConfigSet {
  const { layout } = snapshot;
  const mainText = readable(snapshot.registriesConf, layout.registriesConf);
  const main = mainText === undefined ? undefined : parseRegistriesConf(mainText, layout.registriesConf, { ours: false, dropIn: false });
  const set: ConfigSet = { ...(main ? { main } : {}), ours: emptyDropIn(), before: main ? [{ path: layout.registriesConf, conf: main }] : [], after: [] };
  for (const { path, file } of snapshot.dropIns) {
    const ours = path === layout.dropIn;
    const text = readable(file, path);
    if (text === undefined) continue;
    const conf = parseRegistriesConf(text, path, { ours, dropIn: true });
    if (ours) {
      set.ours = { tables: conf.tables, rest: conf.rest };
      set.oursText = text;
    } else (path < layout.dropIn ? set.before : set.after).push({ path, conf });
  }
  for (const { path, file } of snapshot.userDropIns) {
    const text = readable(file, path);
    if (text !== undefined) set.after.push({ path, conf: parseRegistriesConf(text, path, { ours: false, dropIn: true }) });
  }
  return set;
}

/** Why regsetup's tables may not be the ones in effect, for the prefixes it writes. */
export function shadowWarnings(snapshot: ContainersSnapshot, set: ConfigSet, prefixes: readonly string[]): string[] {
  const { layout } = snapshot;
  const warnings: string[] = [];
  if (snapshot.userRegistriesConf) {
    warnings.push(`${layout.userRegistriesConf} exists: podman run by this user reads it instead of ${layout.registriesConf} and every system drop-in, so regsetup's ${layout.dropIn} is not used for that user (CRI-O and other users still use it). Move the file away, or copy regsetup's entries into it.`);
  }
  const later = effectiveTables(set.after);
  const effective = effectiveTables([...set.before, { path: layout.dropIn, conf: { tables: set.ours.tables, rest: {} } }, ...set.after]);
  for (const prefix of prefixes) {
    const over = later.get(prefix);
    if (over !== undefined) warnings.push(`${over.path} is read after ${layout.dropIn} and replaces its ${prefix} entry: regsetup's settings for ${prefix} are not used. Remove that entry there (or the whole file).`);
    if (effective.get(prefix)?.table.blocked) warnings.push(`${prefix} is blocked (blocked = true, from ${effective.get(prefix)!.path}): podman refuses to pull from it or through its mirrors.`);
    // FindRegistry takes the longest prefix: a table for a namespace under this prefix wins for its images.
    for (const [other, { path }] of effective) {
      if (other.startsWith(`${prefix}/`)) warnings.push(`images under ${other} use the entry ${path} has for it, not regsetup's ${prefix} entry (the longest prefix wins).`);
    }
  }
  return warnings;
}

/** The prefixes regsetup's file holds that a later file replaces (for confirm and drift). */
export const shadowedPrefixes = (set: ConfigSet): Set<string> => {
  const later = effectiveTables(set.after);
  return new Set(set.ours.tables.map(prefixOf).filter((p) => later.has(p)));
};
