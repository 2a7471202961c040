import { parse, stringify, TomlError } from 'smol-toml';
import { refused } from './errors.js';

// TOML edited as text, so a file someone else wrote keeps its comments, order and layout: tables
// are found by their header lines, removed or added whole, a key set in place. Every edit is
// parsed again with a real TOML library by the caller (parseToml) before anything is written.

export interface TomlTable {
  /** The key path of the header, e.g. ['plugins', 'io.containerd.grpc.v1.cri', 'registry']. */
  path: string[];
  /** 0-based index of the header line; -1 for the top-level table (before the first header). */
  header: number;
  /** The table's lines are [header, end): up to the next header. */
  end: number;
  array: boolean;
}

const HEADER = /^\s*(\[\[?)\s*(.+?)\s*(\]\]?)\s*(#.*)?$/;

/** Split a dotted key (`a."b.c".d`) into its parts. */
export function splitKey(key: string): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i < key.length) {
    while (key[i] === ' ' || key[i] === '\t') i++;
    let part = '';
    if (key[i] === '"' || key[i] === "'") {
      const quote = key[i]!;
      i++;
      while (i < key.length && key[i] !== quote) {
        if (quote === '"' && key[i] === '\\') i++;
        part += key[i];
        i++;
      }
      i++;
    } else {
      while (i < key.length && key[i] !== '.' && key[i] !== ' ' && key[i] !== '\t') part += key[i++];
    }
    parts.push(part);
    while (key[i] === ' ' || key[i] === '\t') i++;
    if (key[i] === '.') i++;
  }
  return parts;
}

/** A key path as TOML writes it: bare where it can, quoted where it must. */
export const formatKey = (path: readonly string[]): string => path.map((p) => (/^[A-Za-z0-9_-]+$/.test(p) ? p : JSON.stringify(p))).join('.');

/** The tables of a document, top-level first. Lines inside multi-line strings are not headers. */
export function tomlTables(text: string): TomlTable[] {
  const lines = text.split('\n');
  const tables: TomlTable[] = [{ path: [], header: -1, end: lines.length, array: false }];
  let inString: string | undefined;
  lines.forEach((line, i) => {
    if (inString !== undefined) {
      if (line.split(inString).length % 2 === 0) inString = undefined;
      return;
    }
    const opener = ['"""', "'''"].find((q) => line.split(q).length % 2 === 0);
    if (opener !== undefined) {
      inString = opener;
      return;
    }
    const m = HEADER.exec(line);
    if (!m) return;
    tables[tables.length - 1]!.end = i;
    tables.push({ path: splitKey(m[2]!), header: i, end: lines.length, array: m[1] === '[[' });
  });
  return tables;
}

const samePath = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((p, i) => p === b[i]);
const under = (path: readonly string[], prefix: readonly string[]) => prefix.every((p, i) => path[i] === p);

export const findTable = (text: string, path: readonly string[]): TomlTable | undefined => tomlTables(text).find((t) => samePath(t.path, path));

/** 1-based line of the header of a table, for messages. */
export const lineOf = (table: TomlTable): number => table.header + 1;

/** Remove a table and every sub-table under it (the lines from their headers to the next other table). */
export function removeTablesUnder(text: string, prefix: readonly string[]): string {
  const lines = text.split('\n');
  const drop = new Set<number>();
  for (const t of tomlTables(text)) {
    if (t.header >= 0 && under(t.path, prefix)) for (let i = t.header; i < t.end; i++) drop.add(i);
  }
  return lines.filter((_, i) => !drop.has(i)).join('\n');
}

/** Set `key = value` inside an existing table (replacing the key's line if there is one). */
export function setKey(text: string, table: readonly string[], key: string, value: unknown): string {
  const t = findTable(text, table);
  if (t === undefined) throw new Error(`no table [${formatKey(table)}]`);
  const lines = text.split('\n');
  const assign = `${formatKey([key])} = ${stringify({ v: value }).replace(/^v = /, '').trim()}`;
  const start = t.header + 1;
  const keyLine = new RegExp(`^(\\s*)${formatKey([key]).replace(/[.*+?^${}()|[\]\\"]/g, '\\$&')}\\s*=`);
  for (let i = start; i < t.end; i++) {
    const m = keyLine.exec(lines[i]!);
    if (m) {
      lines[i] = `${m[1]}${assign}`;
      return lines.join('\n');
    }
  }
  // The indentation of the table's other keys (the file's own style), else two spaces under a header.
  const indent = lines.slice(start, t.end).find((l) => /^\s*[A-Za-z0-9_"'-]/.test(l))?.match(/^\s*/)?.[0] ?? (t.header < 0 ? '' : '  ');
  lines.splice(start, 0, `${indent}${assign}`);
  return lines.join('\n');
}

/** Append TOML text (whole tables) at the end, one blank line apart. */
export function appendTables(text: string, toml: string): string {
  const body = text.replace(/\s*$/, '');
  return `${body}${body === '' ? '' : '\n\n'}${toml.trim()}\n`;
}

/** Parse as containerd and podman will (a real TOML parser); refused with the line and column. */
export function parseToml(text: string, source: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (error) {
    const where = error instanceof TomlError ? ` at line ${error.line} column ${error.column}` : '';
    const reason = (error as Error).message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
    throw refused('ERR_TOML_MALFORMED', `${source} is not valid TOML: ${reason}${where}`, `Fix ${source} by hand at the place named, or restore a backup; regsetup never rewrites a file it cannot read.`);
  }
}

export { stringify as tomlStringify };
