import { isMap, isScalar, isSeq } from 'yaml';
import type { K3sAdded } from './added.js';
import { sameEndpoint } from './endpoint.js';
import { finish } from './registries-edit.js';
import type { ParsedRegistries } from './registries-file.js';
import { DocEdit } from './yaml-doc.js';

// Take back exactly what a join recorded in registries.yaml: its endpoints, its values (putting back
// a value it replaced), its auth, and the maps and lists it created once they are empty again.
// Whatever was changed by hand since is left as it is, and said.

export interface UndoResult {
  text: string;
  changed: boolean;
  /** Entries regsetup added that are no longer there (removed by hand). */
  gone: string[];
  /** Entries regsetup added whose value someone changed since: left as they are. */
  kept: string[];
  /** Nothing is left that a missing file would not say: the file can go when regsetup created it. */
  empty: boolean;
}

const dotted = (path: readonly string[]) => path.join('.');

export function removeEntries(parsed: ParsedRegistries, source: string, path: string, added: K3sAdded): UndoResult {
  const before = parsed.doc.toJS() as unknown;
  const edit = new DocEdit(parsed.doc.clone());
  const gone: string[] = [];
  const kept: string[] = [];

  for (const { mirror, url } of added.endpoints) {
    const at = ['mirrors', mirror, 'endpoint'];
    const seq = edit.node(at);
    const items = isSeq(seq) ? seq.items.map((n) => (isScalar(n) ? String(n.value) : '')) : [];
    const index = items.includes(url) ? items.indexOf(url) : items.findIndex((e) => sameEndpoint(e, url));
    if (index === -1) gone.push(`${dotted(at)} entry ${url}`);
    else edit.removeAt(at, index);
  }
  for (const v of added.values) {
    const current = edit.value(v.path);
    if (current === undefined || current === null) gone.push(dotted(v.path));
    else if (current !== v.value) kept.push(`${dotted(v.path)} (now ${String(current)})`);
    else if (v.previous !== undefined) edit.set(v.path, v.previous);
    else edit.delete(v.path);
  }
  for (const a of added.auth) {
    const at = ['configs', a.host, 'auth'];
    const current = edit.value(at) as Record<string, unknown> | null | undefined;
    if (current === undefined || current === null) gone.push(dotted(at));
    else if (String(current.username ?? '') !== a.username) kept.push(`${dotted(at)} (now for another user)`);
    else edit.delete(at);
  }
  // Children before parents (deepest first: a record may hold maps handed over by another
  // registry's leave): a map regsetup created goes once nothing is left in it.
  for (const c of [...added.created].reverse().sort((a, b) => b.path.length - a.path.length)) {
    const node = edit.node(c.path);
    const emptied = (isMap(node) || isSeq(node)) && node.items.length === 0;
    if (!emptied) continue;
    if (c.wasNull) edit.set(c.path, null);
    else edit.delete(c.path);
  }
  const { text, changed } = finish(edit, before, source, path);
  return { text, changed, gone, kept, empty: isEmptyValue(edit.doc.toJS()) };
}

/** {}, null, or only empty mirrors/configs: k3s reads it as no file. */
export function isEmptyValue(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.entries(value as Record<string, unknown>).every(
    ([k, v]) => (k === 'mirrors' || k === 'configs') && (v === null || (typeof v === 'object' && Object.keys(v as object).length === 0)),
  );
}
