import { applyEdits, modify, printParseErrorCode, visit } from 'jsonc-parser';
import type { FormattingOptions } from 'jsonc-parser';
import * as z from 'zod';
import { badInput, refused } from './errors.js';
import { normalizeMirrorUrl, parseInsecureEntry } from './registry-name.js';

// dockerd reads daemon.json with Go's encoding/json: no comments, no trailing commas,
// a UTF-8 BOM tolerated. We refuse anything dockerd would refuse, before touching it.
const BOM = '\uFEFF';

const hint =
  'dockerd would refuse this file too. Fix it by hand or restore a backup, then run regsetup again; ' +
  'regsetup never rewrites a file it cannot read.';

/**
 * Parse daemon.json as dockerd does. Whitespace-only means "no settings" (dockerd ≥ 23.0
 * agrees; 20.10 fails on an empty file with "EOF", which is why we never write one).
 * Duplicate keys are not refused: Go keeps the last one, and so does JSON.parse.
 */
export function parseDaemonJson(text: string, source = 'daemon.json'): Record<string, unknown> {
  const body = text.startsWith(BOM) ? text.slice(1) : text;
  if (body.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    const { reason, offset } = locateError(body, (error as Error).message);
    const { line, column } = lineColumn(body, offset);
    throw refused('ERR_DAEMON_JSON_MALFORMED', `${source} is not valid JSON: ${reason} at line ${line} column ${column}`, hint);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw refused('ERR_DAEMON_JSON_MALFORMED', `${source} must hold a JSON object at the top level`, hint);
  }
  return value as Record<string, unknown>;
}

// JSON.parse says *what* is wrong but V8 gives a position only for some errors; jsonc-parser
// (told to refuse comments and trailing commas) always gives an offset. Use both.
function locateError(body: string, message: string): { reason: string; offset: number } {
  let found: { reason: string; offset: number } | undefined;
  visit(
    body,
    {
      onError: (code, offset) => {
        if (found) return;
        const trailingComma = /,\s*$/.test(body.slice(0, offset)) && /^[}\]]/.test(body.slice(offset));
        const reason = printParseErrorCode(code) === 'InvalidCommentToken' ? 'a comment (strict JSON has none)'
          : trailingComma ? 'a trailing comma (strict JSON has none)'
          : plainReason(message);
        found = { reason, offset };
      },
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  if (found) return found;
  const position = /at position (\d+)/.exec(message);
  return { reason: plainReason(message), offset: position ? Number(position[1]) : body.length };
}

const plainReason = (message: string) => message.replace(/ in JSON at position \d+.*$|, ".*" is not valid JSON$/s, '');

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split(/\r\n|\n|\r/);
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

const mirrorUrl = z.string().refine((s) => succeeds(() => normalizeMirrorUrl(s)), {
  message: 'not a mirror URL (http/https, no user info, query or fragment)',
});
const insecureEntry = z.string().refine((s) => succeeds(() => parseInsecureEntry(s)), {
  message: 'not a host[:port] or a CIDR',
});

/** The keys regsetup writes; every other key passes through untouched. */
export const daemonJsonKeysSchema = z.looseObject({
  'registry-mirrors': z.array(mirrorUrl).optional(),
  'insecure-registries': z.array(insecureEntry).optional(),
});

function succeeds(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}

/** Problems with the keys regsetup manages, as "key[index]: message" lines; empty when fine. */
export function validateDaemonJson(obj: unknown): string[] {
  const result = daemonJsonKeysSchema.safeParse(obj);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const [key, ...rest] = issue.path.map(String);
    const where = key === undefined ? 'daemon.json' : `${key}${rest.map((p) => `[${p}]`).join('')}`;
    return `${where}: ${issue.message}`;
  });
}

export function assertValidDaemonJson(obj: unknown, source = 'daemon.json'): void {
  const problems = validateDaemonJson(obj);
  if (problems.length > 0) {
    throw badInput('ERR_DAEMON_JSON_INVALID', `${source} has entries dockerd would refuse:\n  ${problems.join('\n  ')}`);
  }
}

export interface DaemonJsonChange {
  addMirrors?: string[];
  removeMirrors?: string[];
  addInsecure?: string[];
  removeInsecure?: string[];
}

export interface DaemonJsonEdit {
  text: string;
  changed: boolean;
  added: { mirrors: string[]; insecure: string[] };
  removed: { mirrors: string[]; insecure: string[] };
}

const MIRRORS = 'registry-mirrors';
const INSECURE = 'insecure-registries';

/**
 * Edit daemon.json as text, so every other key, the key order, the indentation, the line
 * endings, the BOM and the final newline stay as the file had them. An emptied list is kept
 * as `[]`: on SIGHUP dockerd leaves a setting as it was when its key is absent.
 */
export function editDaemonJson(text: string, change: DaemonJsonChange, source = 'daemon.json'): DaemonJsonEdit {
  const current = parseDaemonJson(text, source);
  const bom = text.startsWith(BOM) ? BOM : '';
  const blank = text.slice(bom.length).trim() === '';
  let body = blank ? '{}' : text.slice(bom.length);
  const options = { formattingOptions: detectFormatting(body) };
  const added = { mirrors: [] as string[], insecure: [] as string[] };
  const removed = { mirrors: [] as string[], insecure: [] as string[] };

  const lists = [
    { key: MIRRORS, canon: normalizeMirrorUrl, add: change.addMirrors, remove: change.removeMirrors, out: 'mirrors' },
    { key: INSECURE, canon: canonInsecure, add: change.addInsecure, remove: change.removeInsecure, out: 'insecure' },
  ] as const;
  for (const { key, canon, add = [], remove = [], out } of lists) {
    const existing = stringList(current[key], key, source);
    const unwanted = new Set(remove.map(canon));
    const kept: string[] = [];
    // Remove from the end so earlier indices stay valid for the next edit.
    for (let i = existing.length - 1; i >= 0; i--) {
      const entry = existing[i]!;
      if (unwanted.has(tryCanon(canon, entry))) {
        body = applyEdits(body, modify(body, [key, i], undefined, options));
        removed[out].unshift(entry);
      } else kept.unshift(entry);
    }
    const have = new Set(kept.map((e) => tryCanon(canon, e)));
    const fresh: string[] = [];
    for (const entry of add.map(canon)) {
      if (!have.has(entry)) fresh.push(entry);
      have.add(entry);
    }
    if (fresh.length === 0) continue;
    if (current[key] === undefined) body = applyEdits(body, modify(body, [key], fresh, options));
    else for (const entry of fresh) body = applyEdits(body, modify(body, [key, -1], entry, { ...options, isArrayInsertion: true }));
    added[out].push(...fresh);
  }

  const changed = added.mirrors.length + added.insecure.length + removed.mirrors.length + removed.insecure.length > 0;
  if (!changed) return { text, changed, added, removed };
  if (blank) body += options.formattingOptions.eol;
  return { text: bom + body, changed, added, removed };
}

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
export function detectFormatting(body: string): FormattingOptions {
  const eol = body.includes('\r\n') ? '\r\n' : '\n';
  const indent = /\n([ \t]+)\S/.exec(body);
  if (indent?.[1]?.startsWith('\t')) return { insertSpaces: false, tabSize: 1, eol };
  return { insertSpaces: true, tabSize: indent?.[1]?.length ?? 2, eol };
}
