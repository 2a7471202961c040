import { checkDaemonJsonEncoding, type DaemonJsonOptions } from './daemon-json-encoding.js';
import { refused } from './errors.js';
import { decodeView, encodeForView, foldKey, keyOf, meaningOf, toView, viewBytes } from './json-bytes.js';
import { JsonSyntaxError, lineColumn, MAX_JSON_DEPTH, scanJson, type JsonChild, type JsonNode } from './json-scan.js';
import { applySplices, childContext, colonOf, containerSplices, detectLayout, lineIndent, listText, separator, type Layout, type Splice } from './json-splice.js';
import { normalizeMirrorUrl, parseInsecureEntry } from './registry-name.js';

export type { DaemonJsonOptions } from './daemon-json-encoding.js';
export { assertValidDaemonJson, daemonJsonKeysSchema, validateDaemonJson } from './daemon-json-keys.js';

// dockerd reads daemon.json with Go's encoding/json: no comments, no trailing commas, and its
// own rules about byte order marks and UTF-8 (daemon-json-encoding.ts). We refuse anything
// dockerd would refuse or read differently, before touching the file.

const hint =
  'dockerd would refuse this file too. Fix it by hand or restore a backup, then run regsetup again; ' +
  'regsetup never rewrites a file it cannot read.';

export { MAX_JSON_DEPTH } from './json-scan.js';

const MIRRORS = 'registry-mirrors';
const INSECURE = 'insecure-registries';
const MANAGED = [MIRRORS, INSECURE];

interface ReadDaemonJson {
  /** The BOM dockerd skips (kept on write), as view chars. */
  prefix: string;
  view: string;
  root?: JsonNode;
  value: Record<string, unknown>;
  members: Map<string, JsonChild>;
}

const lineOf = (view: string, offset: number) => lineColumn(view, offset).line;

function readDaemonJson(input: string | Uint8Array, source: string, options: DaemonJsonOptions): ReadDaemonJson {
  const full = toView(input);
  const skip = checkDaemonJsonEncoding(full, source, options);
  const view = full.slice(skip);
  const prefix = full.slice(0, skip);
  let root: JsonNode | undefined;
  try {
    root = scanJson(view, { maxDepth: MAX_JSON_DEPTH, keep: 2, finiteNumbers: true });
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    const { line, column } = lineColumn(view, error.offset);
    throw refused('ERR_DAEMON_JSON_MALFORMED', `${source} is not valid JSON: ${error.reason} at line ${line} column ${column}`, hint);
  }
  if (root === undefined) return { prefix, view, value: {}, members: new Map() };
  if (root.kind !== 'object') throw refused('ERR_DAEMON_JSON_MALFORMED', `${source} must hold a JSON object at the top level`, hint);
  const members = new Map<string, JsonChild>();
  for (const child of root.children ?? []) {
    // Only a key at least as long as the shortest managed one can be (or fold to) one.
    if (child.keyEnd! - child.keyStart! < 2 + MIRRORS.length) continue;
    const key = keyOf(view, child);
    if (MANAGED.includes(key)) {
      const first = members.get(key);
      if (first !== undefined) {
        throw refused(
          'ERR_DAEMON_JSON_DUPLICATE_KEY',
          `${source} has "${key}" twice, at lines ${lineOf(view, first.keyStart!)} and ${lineOf(view, child.keyStart!)}: dockerd reads only the last one`,
          `Merge the two into one "${key}" list, then run again. Nothing was changed.`,
        );
      }
      members.set(key, child);
    } else if (MANAGED.includes(foldKey(key))) {
      throw refused(
        'ERR_DAEMON_JSON_MALFORMED',
        `${source} has "${key}" at line ${lineOf(view, child.keyStart!)}: dockerd's keys are case-sensitive and it refuses this one as unknown`,
        `Rename it to "${foldKey(key)}", then run again. Nothing was changed.`,
      );
    }
  }
  return { prefix, view, root, value: meaningOf(view) as Record<string, unknown>, members };
}

/**
 * Parse daemon.json (text, or better its bytes) as the given dockerd does. Whitespace-only
 * means "no settings" (dockerd ≥ 23.0 agrees; 20.10 fails on an empty file with "EOF", which
 * is why we never write one). A duplicate key regsetup manages is refused (Go keeps the last one,
 * so an edit of the first would never be seen); other duplicates pass, the last one winning.
 */
export function parseDaemonJson(input: string | Uint8Array, source = 'daemon.json', options: DaemonJsonOptions = {}): Record<string, unknown> {
  return readDaemonJson(input, source, options).value;
}

export interface DaemonJsonChange {
  addMirrors?: string[];
  removeMirrors?: string[];
  addInsecure?: string[];
  removeInsecure?: string[];
}

export interface DaemonJsonEdit {
  /** The new file as text (exactly the input when nothing changed). */
  text: string;
  /** The new file's bytes: what to write. Bytes regsetup did not edit are the input's own. */
  bytes: Buffer;
  changed: boolean;
  added: { mirrors: string[]; insecure: string[] };
  removed: { mirrors: string[]; insecure: string[] };
}

/**
 * Edit daemon.json in place, as bytes: every other key, the key order, the indentation, the
 * line endings, the BOM, the final newline and any byte regsetup does not own stay as the file
 * had them; new entries follow the layout around them. An emptied list is kept as `[]`: on
 * SIGHUP dockerd leaves a setting as it was when its key is absent. Linear in the file's size.
 */
export function editDaemonJson(input: string | Uint8Array, change: DaemonJsonChange, source = 'daemon.json', options: DaemonJsonOptions = {}): DaemonJsonEdit {
  const read = readDaemonJson(input, source, options);
  const blank = read.root === undefined;
  const view = blank ? '{}' : read.view;
  const root = blank ? scanJson(view, { maxDepth: 1, keep: 2 })! : read.root!;
  const layout = { ...detectLayout(view), comma: separator(view, root.children ?? []) };
  const added = { mirrors: [] as string[], insecure: [] as string[] };
  const removed = { mirrors: [] as string[], insecure: [] as string[] };
  const splices: Splice[] = [];
  const newMembers: Array<{ key: string; items: string[] }> = [];

  const lists = [
    { key: MIRRORS, canon: normalizeMirrorUrl, add: change.addMirrors, remove: change.removeMirrors, out: 'mirrors' },
    { key: INSECURE, canon: canonInsecure, add: change.addInsecure, remove: change.removeInsecure, out: 'insecure' },
  ] as const;
  for (const { key, canon, add = [], remove = [], out } of lists) {
    const member = read.members.get(key);
    const existing = stringList(read.value[key], key, source);
    const wanted = add.map(canon);
    const unwanted = new Set(remove.map(canon));
    // Canonical forms are compared only for entries that could match (a long list stays cheap).
    const needles = [...wanted, ...unwanted].map(needleOf);
    const canonical = existing.map((e) => (needles.some((n) => e.toLowerCase().includes(n)) ? tryCanon(canon, e) : undefined));
    const drop = new Set<number>();
    canonical.forEach((c, i) => {
      if (c !== undefined && unwanted.has(c)) drop.add(i);
    });
    const have = new Set(canonical.filter((c, i) => c !== undefined && !drop.has(i)));
    const fresh: string[] = [];
    for (const entry of wanted) {
      if (!have.has(entry)) fresh.push(entry);
      have.add(entry);
    }
    removed[out].push(...existing.filter((_, i) => drop.has(i)));
    added[out].push(...fresh);
    const items = fresh.map((f) => encodeForView(JSON.stringify(f)));
    if (member === undefined) {
      if (items.length > 0) newMembers.push({ key, items });
    } else if (drop.size + items.length > 0) {
      const ctx = childContext(view, root, member);
      splices.push(...containerSplices(view, member.node, { remove: drop, add: items.map((item) => () => item) }, layout, ctx));
    }
  }
  if (newMembers.length > 0) {
    const colon = colonOf(view, root);
    const add = newMembers.map(({ key, items }) => (indent: string, lay: Layout) => `${JSON.stringify(key)}${colon}${listText(items, indent, lay)}`);
    splices.push(...containerSplices(view, root, { add }, layout, { indent: lineIndent(view, root.start), multiline: true }));
  }

  const changed = splices.length > 0;
  if (!changed) {
    const bytes = viewBytes(read.prefix + read.view);
    return { text: typeof input === 'string' ? input : decodeView(read.prefix + read.view), bytes, changed, added, removed };
  }
  if (typeof input === 'string' && input.includes('\uFFFD')) {
    throw refused(
      'ERR_DAEMON_JSON_ENCODING',
      `${source} holds U+FFFD replacement characters: read as text, its original bytes are lost, so regsetup will not rewrite it`,
      'If the file holds bytes that are not UTF-8, fix them first (dockerd 23.0 and later refuse them anyway). Nothing was changed.',
    );
  }
  const out = read.prefix + applySplices(view, splices) + (blank ? layout.eol : '');
  return { text: decodeView(out), bytes: viewBytes(out), changed, added, removed };
}

/**
 * The file without those of `keys` (registry-mirrors, insecure-registries) whose list is empty:
 * what leave writes once dockerd has shown the emptied lists, for keys a join added (every other
 * byte stays). undefined when none of them is an empty list.
 */
export function dropEmptyLists(input: Uint8Array, keys: readonly string[], source = 'daemon.json', options: DaemonJsonOptions = {}): Buffer | undefined {
  const read = readDaemonJson(input, source, options);
  if (read.root === undefined) return undefined;
  const children = read.root.children ?? [];
  const drop = new Set<number>();
  for (const key of keys) {
    const member = read.members.get(key);
    const value = read.value[key];
    if (member !== undefined && Array.isArray(value) && value.length === 0) drop.add(children.indexOf(member));
  }
  if (drop.size === 0) return undefined;
  const layout = { ...detectLayout(read.view), comma: separator(read.view, children) };
  const splices = containerSplices(read.view, read.root, { remove: drop }, layout, { indent: lineIndent(read.view, read.root.start), multiline: true });
  return viewBytes(read.prefix + applySplices(read.view, splices));
}

// An entry whose canonical form is c holds c's host[:port] (or CIDR) in some case.
const needleOf = (c: string) => c.replace(/^[a-z]+:\/\//, '').split('/')[0]!.replace(/^\[|\]$/g, '').toLowerCase();

// Insecure entries compare case-insensitively and without the http(s):// dockerd strips.
const canonInsecure = (entry: string) => parseInsecureEntry(entry).toLowerCase();

// Entries already in the file are compared as well as they can be; one we cannot parse
// is only ever equal to itself, and is kept.
function tryCanon(canon: (s: string) => string, entry: string): string {
  try {
    return canon(entry);
  } catch {
    return `unparsable entry: ${entry}`;
  }
}

function stringList(value: unknown, key: string, source: string): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  throw refused('ERR_DAEMON_JSON_MALFORMED', `${source}: "${key}" must be a list of strings`, hint);
}

/** The file's own indentation (tabs or N spaces, 2 when it has none) and line ending. */
export function detectFormatting(body: string): { insertSpaces: boolean; tabSize: number; eol: string } {
  const { unit, eol } = detectLayout(body);
  return unit === '\t' ? { insertSpaces: false, tabSize: 1, eol } : { insertSpaces: true, tabSize: unit.length, eol };
}
