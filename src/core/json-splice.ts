import type { JsonChild, JsonNode } from './json-scan.js';

// Edits of a scanned JSON text as splices: every byte outside a splice is kept as it was, and
// all splices are applied in one pass (linear, however many entries change). New text follows
// the container's own layout: entries on lines of their own get a line of their own with the
// same indentation; an inline list or object stays inline.

export interface Splice {
  start: number;
  end: number;
  text: string;
}

export interface Layout {
  /** One level of indentation: "\t" or N spaces (2 when the file shows none). */
  unit: string;
  eol: string;
  /** Between inline entries: ", " or "," (the file's own, when it shows one). */
  comma?: string;
}

/** The file's own indentation unit and line ending. */
export function detectLayout(s: string): Layout {
  const eol = s.includes('\r\n') ? '\r\n' : '\n';
  const indent = /\n([ \t]+)\S/.exec(s)?.[1];
  return { unit: indent?.startsWith('\t') ? '\t' : ' '.repeat(indent?.length ?? 2), eol };
}

/** Apply non-overlapping splices (any order) in one pass. */
export function applySplices(s: string, splices: readonly Splice[]): string {
  const sorted = [...splices].sort((a, b) => a.start - b.start || a.end - b.end);
  const parts: string[] = [];
  let at = 0;
  for (const sp of sorted) {
    if (sp.start < at) throw new Error(`overlapping JSON splices at ${sp.start}`);
    parts.push(s.slice(at, sp.start), sp.text);
    at = sp.end;
  }
  parts.push(s.slice(at));
  return parts.join('');
}

/** The whitespace that starts the line holding offset. */
export function lineIndent(s: string, offset: number): string {
  const lineStart = Math.max(s.lastIndexOf('\n', offset - 1), s.lastIndexOf('\r', offset - 1)) + 1;
  return /^[ \t]*/.exec(s.slice(lineStart, Math.min(offset, lineStart + 256)))![0];
}

const hasLineBreak = (s: string, from: number, to: number) => {
  const n = s.indexOf('\n', from);
  const r = s.indexOf('\r', from);
  return (n !== -1 && n < to) || (r !== -1 && r < to);
};

const childStart = (c: JsonChild) => c.keyStart ?? c.node.start;

/** ", " or "," as the container separates its entries (the layout's when it has fewer than two). */
export function separator(s: string, children: readonly JsonChild[], layout?: Layout): string {
  if (children.length < 2) return layout?.comma ?? ', ';
  return s.slice(children[0]!.node.end, childStart(children[1]!)).includes(' ') ? ', ' : ',';
}

/** ": " or ":" as the object's first member has it. */
export function colonOf(s: string, node: JsonNode): string {
  const first = node.children?.[0];
  if (first?.keyEnd === undefined) return ': ';
  return s.slice(first.keyEnd, first.node.start).replace(/[\r\n]/g, '').includes(' ') ? ': ' : ':';
}

/** A list (or, with braces "{}", an object) of encoded entries, over lines below indent, or inline when layout.eol is "". */
export function listText(items: readonly string[], indent: string, layout: Layout, braces = '[]'): string {
  if (items.length === 0) return braces;
  if (layout.eol === '') return `${braces[0]}${items.join(layout.comma ?? ', ')}${braces[1]}`;
  const inner = `${indent}${layout.unit}`;
  return `${braces[0]}${layout.eol}${inner}${items.join(`,${layout.eol}${inner}`)}${layout.eol}${indent}${braces[1]}`;
}

export interface ContainerEdit {
  /** Indices of children to drop. */
  remove?: ReadonlySet<number>;
  /** New entries, in order: each is the JSON text of an element, or `"key": value` of a member;
   * `indent` is the indentation their line gets, for values laid out over several lines. */
  add?: ReadonlyArray<(indent: string, layout: Layout) => string>;
}

/** Where a container sits: the indentation of its line, and the layout to use when it is empty. */
export interface ContainerContext {
  indent: string;
  multiline: boolean;
}

/** The context of a child container: its line's indentation, and whether its parent spreads over lines. */
export function childContext(s: string, parent: JsonNode, child: JsonChild): ContainerContext {
  const first = parent.children?.[0];
  return { indent: lineIndent(s, childStart(child)), multiline: first !== undefined && hasLineBreak(s, parent.start, childStart(first)) };
}

/**
 * Splices that drop and append children of one container. Dropping an entry takes its
 * separator with it (the one after it, or before it for a trailing run), so the rest reads as
 * if it had never been there; dropping all of them leaves `{}` or `[]`.
 */
export function containerSplices(s: string, node: JsonNode, edit: ContainerEdit, layout: Layout, ctx: ContainerContext): Splice[] {
  const children = node.children ?? [];
  const remove = edit.remove ?? new Set<number>();
  const add = edit.add ?? [];
  const kept = children.map((_, i) => i).filter((i) => !remove.has(i));
  const multiline = children.length > 0 ? hasLineBreak(s, node.start, childStart(children[0]!)) : ctx.multiline;
  const indent = children.length > 0 && multiline ? lineIndent(s, childStart(children[0]!)) : `${ctx.indent}${layout.unit}`;
  const fresh = add.map((entry) => entry(multiline ? indent : ctx.indent, multiline ? layout : { ...layout, eol: '' }));

  if (kept.length === 0) {
    if (children.length === 0 && fresh.length === 0) return [];
    const closing = children.length > 0 ? lineIndent(s, node.end - 1) : ctx.indent;
    const inner = fresh.length === 0 ? '' : multiline ? `${layout.eol}${indent}${fresh.join(`,${layout.eol}${indent}`)}${layout.eol}${closing}` : fresh.join(separator(s, children, layout));
    return [{ start: node.start + 1, end: node.end - 1, text: inner }];
  }

  const splices: Splice[] = [];
  const lastKept = kept.at(-1)!;
  for (const i of [...remove].filter((r) => r < lastKept).sort((a, b) => a - b)) {
    splices.push({ start: childStart(children[i]!), end: childStart(children[i + 1]!), text: '' });
  }
  const tailEnd = children.at(-1)!.node.end;
  const joiner = multiline ? `,${layout.eol}${lineIndent(s, childStart(children[lastKept]!))}` : `,${separator(s, children, layout).slice(1)}`;
  const appended = fresh.map((f) => `${joiner}${f}`).join('');
  const from = children[lastKept]!.node.end;
  if (appended !== '' || tailEnd !== from) splices.push({ start: from, end: tailEnd, text: appended });
  return splices;
}
