import { encodeForView, keyOf } from './json-bytes.js';
import { scanJson, type JsonChild, type JsonNode } from './json-scan.js';
import { applySplices, childContext, colonOf, containerSplices, detectLayout, lineIndent, listText, separator, type Layout, type Splice } from './json-splice.js';

export interface JsonEdit {
  /** A top-level key, or a key of a top-level object. */
  path: [string] | [string, string];
  /** undefined removes the key. */
  value: unknown;
}

type Change = { remove: true } | { remove?: false; value: unknown };

const encoded = (value: unknown) => encodeForView(JSON.stringify(value));

/**
 * Apply edits to a scanned JSON view in one pass (changesets' edit-json, on bytes): every other
 * key, the key order, indentation, line endings and final newline stay as the file had them,
 * and so does every byte outside an edited entry. A blank document starts as `{}` indented with
 * `blankIndent` (docker/cli writes tabs). Returns the new view.
 */
export function editJsonView(view: string, root: JsonNode | undefined, edits: readonly JsonEdit[], blankIndent = '\t'): string {
  const blank = root === undefined;
  const body = blank ? '{}\n' : view;
  const top = blank ? scanJson(body, { maxDepth: 1, keep: 2 })! : root;
  const detected = detectLayout(body);
  const layout: Layout = blank ? { unit: blankIndent, eol: '\n' } : { ...detected, comma: separator(body, top.children ?? []) };

  // The last edit of a path wins; removing an object drops the edits inside it.
  const changes = new Map<string, { self?: Change; inner: Map<string, Change> }>();
  for (const { path, value } of edits) {
    const entry = changes.get(path[0]) ?? { inner: new Map<string, Change>() };
    changes.set(path[0], entry);
    const change: Change = value === undefined ? { remove: true } : { value };
    if (path.length === 1) {
      entry.self = change;
      entry.inner.clear();
    } else {
      if (entry.self?.remove) delete entry.self;
      entry.inner.set(path[1], change);
    }
  }

  const members = new Map((top.children ?? []).map((c, i) => [keyOf(body, c), { child: c, index: i }] as const));
  const colon = colonOf(body, top);
  const splices: Splice[] = [];
  const removeTop = new Set<number>();
  const addTop: Array<(indent: string, lay: Layout) => string> = [];
  for (const [key, { self, inner }] of changes) {
    const found = members.get(key);
    if (self !== undefined) {
      if (self.remove) {
        if (found !== undefined) removeTop.add(found.index);
      } else if (found !== undefined) splices.push({ start: found.child.node.start, end: found.child.node.end, text: encoded(self.value) });
      else addTop.push(() => `${encoded(key)}${colon}${encoded(self.value)}`);
    }
    if (inner.size === 0) continue;
    if (found === undefined || found.child.node.kind !== 'object') {
      const entries = [...inner].filter(([, c]) => !c.remove).map(([k, c]) => `${encoded(k)}${colon}${encoded((c as { value: unknown }).value)}`);
      if (entries.length > 0 && found === undefined) addTop.push((indent, lay) => `${encoded(key)}${colon}${listText(entries, indent, lay, '{}')}`);
      continue;
    }
    splices.push(...innerSplices(body, top, found.child, inner, layout, colon));
  }
  splices.push(...containerSplices(body, top, { remove: removeTop, add: addTop }, layout, { indent: lineIndent(body, top.start), multiline: true }));
  return applySplices(body, splices);
}

function innerSplices(body: string, top: JsonNode, member: JsonChild, inner: Map<string, Change>, layout: Layout, colon: string): Splice[] {
  const node = member.node;
  const index = new Map((node.children ?? []).map((c, i) => [keyOf(body, c), i] as const));
  const splices: Splice[] = [];
  const remove = new Set<number>();
  const add: Array<() => string> = [];
  for (const [key, change] of inner) {
    const i = index.get(key);
    if (change.remove) {
      if (i !== undefined) remove.add(i);
    } else if (i !== undefined) {
      const value = node.children![i]!.node;
      splices.push({ start: value.start, end: value.end, text: encoded(change.value) });
    } else {
      add.push(() => `${encoded(key)}${colon}${encoded(change.value)}`);
    }
  }
  return [...splices, ...containerSplices(body, node, { remove, add }, layout, childContext(body, top, member))];
}
