import { stringify } from 'smol-toml';
import { refused } from '../../core/errors.js';
import type { Contribution } from './contributions.js';
import type { ContainersRecord, DropInEntry } from './record.js';
import { parseRegistriesConf, prefixOf, trimLocation, type RegistriesConf, type RegistryTable } from './registries-conf.js';

// regsetup's one drop-in holds every registry it joined: the file is regsetup's and is written
// whole (a header, then the tables), but its *set* of [[registry]] tables is merged — a join adds
// its tables and mirrors, a leave takes away only what its record says and nobody else claims.

export type DropInModel = Pick<RegistriesConf, 'tables' | 'rest'>;

export const emptyDropIn = (): DropInModel => ({ tables: [], rest: {} });

const HEADER = [
  "# regsetup's registries for podman, buildah, skopeo and CRI-O (containers-registries.conf(5), version 2).",
  '# Every `regsetup join` and `leave` rewrites this file: change it with regsetup, not by hand.',
  '',
  '',
].join('\n');

export interface Merged {
  model: DropInModel;
  /** This registry's record entries after the join (what it added, and what earlier joins added). */
  entries: DropInEntry[];
  /** Prefixes whose table was created from another file's table (ours now replaces that one). */
  seeded: string[];
}

/**
 * Add a join's tables. A prefix the drop-in lacks starts as a copy of the table in effect from the
 * files read before it (registries.conf, earlier drop-ins): a drop-in's table *replaces* one with
 * the same prefix (updateWithConfigurationFrom), so copying keeps that table's mirrors, insecure and
 * blocked settings in force. Mirrors already listed are not added (nor claimed) again.
 */
export function mergeInto(current: DropInModel, base: ReadonlyMap<string, RegistryTable>, wanted: readonly Contribution[], previous: readonly DropInEntry[]): Merged {
  const model = structuredClone(current) as DropInModel;
  const entries: DropInEntry[] = [];
  const seeded: string[] = [];
  for (const c of wanted) {
    const prev = previous.find((e) => e.prefix === c.prefix);
    const entry: DropInEntry = { prefix: c.prefix, mirrors: [...(prev?.mirrors ?? [])], ...(prev?.insecure ? { insecure: true } : {}) };
    let table = model.tables.find((t) => prefixOf(t) === c.prefix);
    if (table === undefined) {
      const from = base.get(c.prefix);
      table = from === undefined ? { prefix: c.prefix, location: c.prefix } : { ...structuredClone(from), prefix: c.prefix, location: from.location || c.prefix };
      if (from !== undefined) seeded.push(c.prefix);
      model.tables.push(table);
    }
    for (const m of c.mirrors) {
      const list = (table.mirror ??= []);
      if (list.some((x) => trimLocation(x.location ?? '') === m.location)) continue;
      list.push({ location: m.location, ...(m.insecure ? { insecure: true } : {}) });
      if (!entry.mirrors.includes(m.location)) entry.mirrors.push(m.location);
    }
    if (c.insecure && table.insecure !== true) {
      table.insecure = true;
      entry.insecure = true;
    }
    entries.push(entry);
  }
  // A later join that no longer asks for a table still owns what an earlier one added (leave takes it).
  for (const prev of previous) if (!entries.some((e) => e.prefix === prev.prefix)) entries.push(prev);
  // By prefix, as containers/image orders them once merged: the same joins give the same file, in any order.
  model.tables.sort((a, b) => (prefixOf(a) < prefixOf(b) ? -1 : prefixOf(a) > prefixOf(b) ? 1 : 0));
  return { model, entries, seeded };
}

/**
 * Take away a registry's entries: a table no other registry claims goes whole (the file is
 * regsetup's); a shared one loses only the mirrors and the insecure flag nobody else asked for.
 */
export function removeFrom(current: DropInModel, mine: readonly DropInEntry[], others: readonly ContainersRecord[]): { model: DropInModel; missing: string[] } {
  const model = structuredClone(current) as DropInModel;
  const missing: string[] = [];
  for (const e of mine) {
    const index = model.tables.findIndex((t) => prefixOf(t) === e.prefix);
    if (index < 0) {
      missing.push(e.prefix);
      continue;
    }
    const claims = others.flatMap((r) => r.entries).filter((x) => x.prefix === e.prefix);
    if (claims.length === 0) {
      model.tables.splice(index, 1);
      continue;
    }
    const table = model.tables[index]!;
    const kept = new Set(claims.flatMap((c) => c.mirrors));
    table.mirror = (table.mirror ?? []).filter((m) => !(e.mirrors.includes(trimLocation(m.location ?? '')) && !kept.has(trimLocation(m.location ?? ''))));
    if (table.mirror.length === 0) delete table.mirror;
    if (e.insecure && !claims.some((c) => c.insecure)) delete table.insecure;
  }
  return { model, missing };
}

/** The file's text; undefined when nothing is left in it (leave then removes the file). */
export function renderDropIn(model: DropInModel): string | undefined {
  const tables = model.tables.map((t) => (t.mirror !== undefined && t.mirror.length === 0 ? withoutMirrors(t) : t));
  if (tables.length === 0 && Object.keys(model.rest).length === 0) return undefined;
  return `${HEADER}${stringify({ ...model.rest, ...(tables.length > 0 ? { registry: tables } : {}) })}\n`;
}

const withoutMirrors = (t: RegistryTable): RegistryTable => {
  const copy = { ...t };
  delete copy.mirror;
  return copy;
};

/** Sorted keys all the way down: the same data compares equal however TOML ordered it. */
const canonical = (value: unknown): unknown =>
  Array.isArray(value) ? value.map(canonical)
  : value !== null && typeof value === 'object' && !(value instanceof Date) ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]))
  : value;

/**
 * Read back what is about to be written, as containers/image will: it must parse, pass the same
 * checks, and mean exactly the tables planned. Refuses (nothing written) otherwise.
 */
export function readBack(text: string, model: DropInModel, path: string): void {
  const again = parseRegistriesConf(text, path, { ours: true, dropIn: true });
  const want = { tables: model.tables.map((t) => (t.mirror?.length === 0 ? withoutMirrors(t) : t)), rest: model.rest };
  if (JSON.stringify(canonical({ tables: again.tables, rest: again.rest })) !== JSON.stringify(canonical(want))) {
    throw refused('ERR_DROP_IN_READBACK', `the ${path} regsetup would write does not read back as planned; nothing was written`, 'This is a regsetup bug: report it with `regsetup join --dry-run --json` output.');
  }
}
