import { isDeepStrictEqual } from 'node:util';
import { isMap, isScalar, YAMLMap, YAMLSeq, type Document, type ToStringOptions } from 'yaml';

// Edits of a yaml Document that also record each step as a plain operation, so the result can be
// checked independently: the same operations replayed on the original's plain value must give
// what the rendered text parses back to (the read-back of everything regsetup writes).

export type Key = string;
export type Op =
  | { op: 'set'; path: Key[]; value: unknown }
  | { op: 'delete'; path: Key[] }
  | { op: 'append'; path: Key[]; value: string }
  | { op: 'removeAt'; path: Key[]; index: number };

export class DocEdit {
  readonly ops: Op[] = [];
  readonly created: Array<{ path: Key[]; wasNull?: boolean }> = [];
  constructor(readonly doc: Document) {}

  node(path: readonly Key[]): unknown {
    return path.length === 0 ? this.doc.contents : this.doc.getIn(path, true);
  }

  value(path: readonly Key[]): unknown {
    const node = this.node(path);
    return isScalar(node) ? node.value : node === undefined ? undefined : (node as { toJSON(): unknown }).toJSON();
  }

  /** Set a child of a map, a new key quoted when it holds a colon (host:port) as the docs write them. */
  private put(path: readonly Key[], value: unknown): void {
    const parent = (path.length === 1 ? this.doc.contents : this.node(path.slice(0, -1))) as YAMLMap;
    const last = path[path.length - 1]!;
    const node = value instanceof YAMLMap || value instanceof YAMLSeq ? value : this.doc.createNode(value);
    if (parent.has(last)) {
      parent.set(last, node);
      return;
    }
    const key = this.doc.createNode(last);
    if (/[:*]/.test(last)) key.type = 'QUOTE_DOUBLE';
    parent.items.push(this.doc.createPair(key, node));
  }

  /** Make every map on the way exist (creating `key:` with no value counts as creating it). */
  ensureMap(path: readonly Key[]): YAMLMap {
    if (this.doc.contents === null || (isScalar(this.doc.contents) && this.doc.contents.value === null)) this.doc.contents = new YAMLMap() as never;
    for (let i = 1; i <= path.length; i++) {
      const sub = path.slice(0, i);
      const node = this.node(sub);
      if (node === undefined || (isScalar(node) && node.value === null)) {
        this.put(sub, new YAMLMap());
        this.created.push(node === undefined ? { path: sub } : { path: sub, wasNull: true });
        this.ops.push({ op: 'set', path: sub, value: {} });
      } else if (isMap(node) && node.flow && node.items.length === 0) {
        node.flow = false; // `mirrors: {}` grows into a block map, as the rest of such a file is written
      }
    }
    return (path.length === 0 ? this.doc.contents : this.node(path)) as YAMLMap;
  }

  ensureSeq(path: readonly Key[]): YAMLSeq {
    this.ensureMap(path.slice(0, -1));
    const node = this.node(path);
    if (node === undefined || (isScalar(node) && node.value === null)) {
      this.put(path, new YAMLSeq());
      this.created.push(node === undefined ? { path: [...path] } : { path: [...path], wasNull: true });
      this.ops.push({ op: 'set', path: [...path], value: [] });
    }
    const seq = this.node(path) as YAMLSeq;
    if (seq.flow && seq.items.length === 0) seq.flow = false;
    return seq;
  }

  append(path: readonly Key[], value: string): void {
    const seq = this.ensureSeq(path);
    const node = this.doc.createNode(value);
    // Quote it as its neighbours are quoted (the docs' examples quote endpoint URLs).
    const sibling = seq.items.find(isScalar);
    if (sibling?.type === 'QUOTE_DOUBLE' || sibling?.type === 'QUOTE_SINGLE') node.type = sibling.type;
    seq.items.push(node);
    this.ops.push({ op: 'append', path: [...path], value });
  }

  set(path: readonly Key[], value: unknown): void {
    this.ensureMap(path.slice(0, -1));
    this.put(path, value);
    this.ops.push({ op: 'set', path: [...path], value });
  }

  delete(path: readonly Key[]): void {
    this.doc.deleteIn(path);
    this.ops.push({ op: 'delete', path: [...path] });
  }

  removeAt(path: readonly Key[], index: number): void {
    (this.node(path) as YAMLSeq).items.splice(index, 1);
    this.ops.push({ op: 'removeAt', path: [...path], index });
  }
}

/** Replay operations on a plain value (the original's toJS()). */
export function replay(value: unknown, ops: readonly Op[]): unknown {
  let root: unknown = structuredClone(value ?? null);
  for (const o of ops) {
    if (root === null || typeof root !== 'object') root = {};
    const parent = o.path.slice(0, -1).reduce<Record<string, unknown>>((at, k) => (at[k] ??= {}) as Record<string, unknown>, root as Record<string, unknown>);
    const last = o.path[o.path.length - 1]!;
    if (o.op === 'set') parent[last] = structuredClone(o.value);
    else if (o.op === 'delete') delete parent[last];
    else if (o.op === 'append') ((parent[last] ??= []) as unknown[]).push(o.value);
    else (parent[last] as unknown[]).splice(o.index, 1);
  }
  return root;
}

export const sameValue = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a ?? {}, b ?? {});

/**
 * Render in the file's own layout as far as the library can: its indent, and whether sequence
 * items sit under their key (`  - x`) or at its column (`- x`). No folding of long lines.
 */
export function renderOptions(source: string): ToStringOptions {
  const lines = source.split('\n');
  let indent = 2;
  let indentSeq = true;
  for (let i = 0; i + 1 < lines.length; i++) {
    const key = /^(\s*)[^\s#-][^#]*:\s*(#.*)?$/.exec(lines[i]!);
    if (!key) continue;
    const next = /^(\s*)(-\s)?\S/.exec(lines[i + 1]!);
    if (!next) continue;
    const step = next[1]!.length - key[1]!.length;
    if (next[2] !== undefined && step === 0) indentSeq = false;
    else if (next[2] === undefined && step > 0 && key[1]!.length === 0) indent = step;
  }
  return { indent, indentSeq, lineWidth: 0 };
}
