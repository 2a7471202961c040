import { isDeepStrictEqual } from 'node:util';
import { sha256Hex } from '../../core/digest.js';
import { refused } from '../../core/errors.js';
import type { Heirs } from '../../core/hand-over.js';
import type { FileAction } from '../../core/plan-types.js';
import { appendTables, formatKey, parseToml, removeTablesUnder, tomlStringify } from '../../core/toml-text.js';
import type { HostsEntry } from './record.js';

// hosts.toml, one per registry host directory (docs/host-behaviour.md). containerd tries the
// [host."…"] tables in file order, then `server`. A file regsetup creates holds a header, the
// `server` and its own tables; a file that was there is only appended to. Either way only the
// [host."…"] tables regsetup added are regsetup's: leave removes exactly those. A parse failure
// is only logged by containerd (the pull then goes on without the mirror), so every text written is
// parsed again and compared with what was meant before it is planned.

export interface HostTable {
  url: string;
  content: Record<string, unknown>;
}

const canonical = (value: unknown): unknown =>
  Array.isArray(value) ? value.map(canonical) : value !== null && typeof value === 'object' ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])])) : value;

export const tableDigest = (content: Record<string, unknown>): string => sha256Hex(JSON.stringify(canonical(content)));

const header = (registry: string) =>
  `# Written by regsetup for ${registry}. The [host."…"] tables regsetup added are removed by \`regsetup leave\`;\n# other entries may be added below and are kept.\n`;

const tableText = (t: HostTable) => tomlStringify({ host: { [t.url]: t.content } });

export interface HostsFilePlan {
  path: string;
  action?: FileAction;
  entry?: HostsEntry;
  warnings: string[];
}

export interface HostsFileInput {
  path: string;
  current: string | undefined;
  /** `server` of a file regsetup creates (https://registry-1.docker.io for docker.io). */
  server: string;
  tables: HostTable[];
  /** What this registry added before (its record). */
  previous?: HostsEntry;
  registry: string;
  /**
   * doctor --fix only: a file regsetup created (previous.created) that no longer parses is written
   * anew. containerd ignores it as it is (docs/host-behaviour.md), so nothing it reads is lost; the
   * plan's diff shows the old text, and apply keeps its backup.
   */
  replaceUnparsable?: boolean;
}

const hostsOf = (parsed: Record<string, unknown>): Record<string, Record<string, unknown>> =>
  (parsed.host !== null && typeof parsed.host === 'object' ? parsed.host : {}) as Record<string, Record<string, unknown>>;

/** The file with this registry's tables, and the record of them. */
export function planHostsFile(i: HostsFileInput): HostsFilePlan {
  const warnings: string[] = [];
  const broken = i.current !== undefined && readHostTables(i.current, i.path) === undefined;
  if (i.current === undefined || (broken && i.replaceUnparsable && i.previous?.created)) {
    const text = `${header(i.registry)}server = ${JSON.stringify(i.server)}\n\n${i.tables.map(tableText).join('\n').trim()}\n`;
    check(text, i.path, i.tables);
    const before = i.current === undefined ? {} : { before: i.current };
    return {
      path: i.path,
      action: { kind: 'write-file', path: i.path, ...before, after: text, mode: 0o644, reason: i.current === undefined ? `hosts for ${i.tables.map((t) => t.url).join(', ')}` : `write anew the ${i.path} regsetup created, which no longer parses` },
      entry: { path: i.path, created: true, hosts: i.tables.map((t) => ({ url: t.url, sha256: tableDigest(t.content) })) },
      warnings,
    };
  }
  if (broken && i.previous?.created) {
    try {
      parseToml(i.current, i.path);
    } catch (error) {
      throw refused('ERR_TOML_MALFORMED', (error as Error).message, `regsetup created ${i.path}: \`regsetup doctor --fix\` writes it anew (showing what goes), or fix it by hand at the place named.`);
    }
  }
  const existing = hostsOf(parseToml(i.current, i.path));
  const ours = new Map((i.previous?.hosts ?? []).map((h) => [h.url, h.sha256]));
  let text = i.current;
  const kept: HostsEntry['hosts'] = [];
  const added: string[] = [];
  for (const t of i.tables) {
    const there = existing[t.url];
    const mine = ours.has(t.url);
    if (there !== undefined && isDeepStrictEqual(canonical(there), canonical(t.content))) {
      if (mine) kept.push({ url: t.url, sha256: tableDigest(t.content) });
      continue;
    }
    if (there !== undefined && !mine) {
      warnings.push(`${i.path} already has [host."${t.url}"] (not regsetup's); it is left as it is, and regsetup's settings for it (${Object.keys(t.content).join(', ')}) are not added.`);
      continue;
    }
    if (there !== undefined) text = removeTablesUnder(text, ['host', t.url]);
    text = appendTables(text, tableText(t));
    kept.push({ url: t.url, sha256: tableDigest(t.content) });
    added.push(t.url);
  }
  // Tables of an earlier join that this one no longer wants (a mirror dropped): ours to remove.
  const wanted = new Set(i.tables.map((t) => t.url));
  for (const [url, sha] of ours) {
    if (wanted.has(url)) continue;
    if (existing[url] !== undefined && tableDigest(existing[url]) === sha) text = removeTablesUnder(text, ['host', url]);
  }
  const entry: HostsEntry = { path: i.path, created: i.previous?.created ?? false, hosts: kept };
  if (text === i.current) return { path: i.path, ...(kept.length > 0 || i.previous ? { entry } : {}), warnings };
  check(text, i.path, i.tables.filter((t) => kept.some((k) => k.url === t.url)));
  return {
    path: i.path,
    action: { kind: 'write-file', path: i.path, before: i.current, after: text, mode: 0o644, reason: added.length > 0 ? `add hosts ${added.join(', ')}` : 'update regsetup\'s hosts' },
    entry,
    warnings,
  };
}

/** Leave: remove this registry's tables (unchanged ones only), and the file when regsetup made it and nothing else is left. */
export function unplanHostsFile(entry: HostsEntry, current: string | undefined, reason: string, warnings: string[]): FileAction | undefined {
  if (current === undefined) return undefined;
  let parsed: Record<string, Record<string, unknown>>;
  try {
    parsed = hostsOf(parseToml(current, entry.path));
  } catch {
    warnings.push(`${entry.path} no longer parses as TOML; it is left as it is (containerd ignores it too).`);
    return undefined;
  }
  let text = current;
  for (const h of entry.hosts) {
    const there = parsed[h.url];
    if (there === undefined) continue;
    if (tableDigest(there) !== h.sha256) {
      warnings.push(`[host."${h.url}"] in ${entry.path} was changed after join; left as it is.`);
      continue;
    }
    text = removeTablesUnder(text, ['host', h.url]);
  }
  if (text === current) return undefined;
  const rest = parseToml(text, entry.path);
  const onlyServer = Object.keys(rest).every((k) => k === 'server') && Object.keys(hostsOf(rest)).length === 0;
  if (entry.created && onlyServer) return { kind: 'remove-file', path: entry.path, before: current, reason };
  return { kind: 'write-file', path: entry.path, before: current, after: text, mode: 0o644, reason };
}

/**
 * Leave: the hosts.toml files this registry created that stay because other registries' tables
 * are in them pass to one of those registries (core/hand-over.ts), so whichever of them leaves
 * last removes the file. `gone`: the files this leave removes.
 */
export function handOverHostsFiles<R extends { hostsFiles?: HostsEntry[] }>(mine: readonly HostsEntry[], gone: ReadonlySet<string>, heirs: Heirs<R>): void {
  for (const entry of mine) {
    if (!entry.created || gone.has(entry.path)) continue;
    const heir = heirs.others.find((o) => o.record.hostsFiles?.some((h) => h.path === entry.path && h.hosts.length > 0));
    if (heir === undefined) continue; // nothing of another registry is in it: what stays is not regsetup's
    heirs.update(heir.registry, (r) => ({ ...r, hostsFiles: r.hostsFiles?.map((h) => (h.path === entry.path ? { ...h, created: true } : h)) }));
  }
}

/** What containerd would read must be exactly what was meant, or nothing is written. */
function check(text: string, path: string, tables: HostTable[]): void {
  const hosts = hostsOf(parseToml(text, path));
  for (const t of tables) {
    if (!isDeepStrictEqual(canonical(hosts[t.url]), canonical(t.content))) {
      throw refused('ERR_HOSTS_TOML', `the ${path} regsetup would write does not read back as planned ([host.${formatKey([t.url])}])`, 'This is a bug in regsetup; nothing was written. Please report it with the file.');
    }
  }
}

/** The [host] tables of a hosts.toml that parses; undefined when it does not (containerd then ignores it). */
export function readHostTables(text: string, path: string): Record<string, Record<string, unknown>> | undefined {
  try {
    return hostsOf(parseToml(text, path));
  } catch {
    return undefined;
  }
}
