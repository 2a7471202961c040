import * as z from 'zod';
import { refused } from '../../core/errors.js';
import { atLine, hintFor, lineOfPath, parseToml } from './toml-text.js';

// containers-registries.conf(5), version 2, as containers/image reads it (pkg/sysregistriesv2,
// v5.23 in Debian 12's podman 4.3): unknown keys are ignored (only logged at debug level), a value
// of the wrong type fails the whole file, and postProcessRegistries refuses the rest below.

const mirrorSchema = z.looseObject({ location: z.string().optional(), insecure: z.boolean().optional(), 'pull-from-mirror': z.string().optional() });
const registrySchema = z.looseObject({
  prefix: z.string().optional(),
  location: z.string().optional(),
  insecure: z.boolean().optional(),
  blocked: z.boolean().optional(),
  'mirror-by-digest-only': z.boolean().optional(),
  'pull-from-mirror': z.string().optional(),
  mirror: z.array(mirrorSchema).optional(),
});
const v1List = z.looseObject({ registries: z.array(z.string()).optional() });
const confSchema = z.looseObject({
  registry: z.array(registrySchema).optional(),
  'unqualified-search-registries': z.array(z.string()).optional(),
  'credential-helpers': z.array(z.string()).optional(),
  'short-name-mode': z.string().optional(),
  aliases: z.record(z.string(), z.string()).optional(),
  // Version 1: [registries.search], [registries.insecure], [registries.block].
  registries: z.looseObject({ search: v1List.optional(), insecure: v1List.optional(), block: v1List.optional() }).optional(),
});

export type MirrorTable = z.infer<typeof mirrorSchema>;
export type RegistryTable = z.infer<typeof registrySchema>;

export interface RegistriesConf {
  /** The [[registry]] tables, in the order written. */
  tables: RegistryTable[];
  /** Every other top-level key (kept as it is when regsetup rewrites its own drop-in). */
  rest: Record<string, unknown>;
  /** Set when the file uses version 1 lists ([registries.search] …): where, and what they say. */
  v1?: { line?: number; search: string[]; insecure: string[]; block: string[] };
}

/** parseLocation: no trailing slashes (and no scheme, checked in validate). */
export const trimLocation = (s: string): string => s.replace(/\/+$/, '');

/** The prefix a table answers for: its prefix, else its location (postProcessRegistries). */
export const prefixOf = (t: RegistryTable): string => trimLocation(t.prefix || t.location || '');

export interface ParseOptions {
  /** regsetup's own drop-in (the hint differs). */
  ours: boolean;
  /** A drop-in must be version 2 (loadConfigFile with forceV2). */
  dropIn: boolean;
}

/** Parse and check one file as containers/image would; refuses (exit 4, the line named) what it would refuse. */
export function parseRegistriesConf(text: string, source: string, o: ParseOptions): RegistriesConf {
  const raw = parseToml(text, source, o.ours);
  const fail = (message: string, path: ReadonlyArray<string | number> = []) =>
    refused('ERR_REGISTRIES_CONF_INVALID', `${source}${atLine(text, path)}: ${message}`, hintFor(source, o.ours));
  const reg = raw.registry;
  if (reg !== null && typeof reg === 'object' && !Array.isArray(reg)) {
    // `[[registry.mirror]]` with no `[[registry]]` before it makes `registry` a table: containers/image fails (podman #5764).
    throw fail('registry is a table, not a list of [[registry]] tables: a [[registry.mirror]] needs its own [[registry]] (prefix, location) before it (podman #5764)', ['registry']);
  }
  const parsed = confSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw fail(`${issue.path.map(String).join('.') || 'the document'}: ${issue.message}`, issue.path as Array<string | number>);
  }
  const { registry = [], registries, ...rest } = parsed.data;
  const v1 = {
    search: registries?.search?.registries ?? [],
    insecure: registries?.insecure?.registries ?? [],
    block: registries?.block?.registries ?? [],
  };
  // V1RegistriesConf.Nonempty: an empty list does not count.
  const isV1 = v1.search.length + v1.insecure.length + v1.block.length > 0;
  // V2RegistriesConf.Nonempty: only the keys it decodes count, and an empty list or "" does not.
  const v2Keys = registry.length > 0 || V2_KEYS.some((key) => nonEmpty(rest[key]));
  if (isV1) {
    const line = lineOfPath(text, ['registries']);
    if (o.dropIn) throw fail('registry must be in v2 format but is in v1 ([registries.search]/[registries.insecure]/[registries.block]); containers/image reads drop-ins only in version 2', ['registries']);
    if (v2Keys) throw fail('mixing sysregistry v1/v2 is not supported: [registries.*] lists and version 2 keys ([[registry]], unqualified-search-registries, …) in one file; every podman command fails on it', ['registries']);
    return { tables: v1Tables(v1), rest, v1: { ...(line === undefined ? {} : { line }), ...v1 } };
  }
  validate(registry, fail);
  return { tables: registry, rest };
}

const V2_KEYS = ['unqualified-search-registries', 'credential-helpers', 'short-name-mode', 'aliases'];
const nonEmpty = (v: unknown) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && v !== null && Object.keys(v).length === 0);

const SCHEME = /^https?:\/\//;
const PULL_FROM = new Set(['all', 'digest-only', 'tag-only']);

/** postProcessRegistries and loadConfigFile's checks, in their order. */
function validate(tables: RegistryTable[], fail: (message: string, path: Array<string | number>) => Error): void {
  const byLocation = new Map<string, RegistryTable>();
  tables.forEach((t, i) => {
    const at = (key: string) => ['registry', i, key];
    if (t.location !== undefined && SCHEME.test(t.location)) throw fail(`invalid location '${t.location}': URI schemes are not supported`, at('location'));
    if (!t.prefix && !t.location) throw fail('invalid condition: both location and prefix are unset', ['registry', i]);
    if (t.prefix && SCHEME.test(t.prefix)) throw fail(`invalid location '${t.prefix}': URI schemes are not supported`, at('prefix'));
    if (t.prefix && !t.prefix.startsWith('*.') && !t.location) throw fail('invalid condition: location is unset and prefix is not in the format: *.example.com', at('prefix'));
    if (t.prefix?.startsWith('*.') && /[/@:]/.test(t.prefix)) throw fail(`Wildcarded prefix should be in the format: *.example.com. Current prefix "${t.prefix}" is incorrectly formatted`, at('prefix'));
    if (t['pull-from-mirror'] !== undefined) throw fail(`pull-from-mirror must not be set for a non-mirror registry "${prefixOf(t)}"`, at('pull-from-mirror'));
    (t.mirror ?? []).forEach((m, j) => {
      const mat = ['registry', i, 'mirror', j, 'location'];
      if (m.location !== undefined && SCHEME.test(m.location)) throw fail(`invalid location '${m.location}': URI schemes are not supported`, mat);
      if (!m.location || trimLocation(m.location) === '') throw fail('invalid condition: mirror location is unset', ['registry', i, 'mirror', j]);
      if (t['mirror-by-digest-only'] && m['pull-from-mirror'] !== undefined) throw fail(`cannot set mirror usage mirror-by-digest-only for the registry ("${prefixOf(t)}") and pull-from-mirror for per-mirror ("${m.location}") at the same time`, mat);
      if (m['pull-from-mirror'] && !PULL_FROM.has(m['pull-from-mirror'])) throw fail(`unsupported pull-from-mirror value "${m['pull-from-mirror']}" for mirror "${m.location}"`, ['registry', i, 'mirror', j, 'pull-from-mirror']);
    });
    // One location defined twice must agree on insecure and blocked.
    const key = trimLocation(t.location || t.prefix || '');
    const other = byLocation.get(key);
    if (other && Boolean(other.insecure) !== Boolean(t.insecure)) throw fail(`registry '${key}' is defined multiple times with conflicting 'insecure' setting`, at('insecure'));
    if (other && Boolean(other.blocked) !== Boolean(t.blocked)) throw fail(`registry '${key}' is defined multiple times with conflicting 'blocked' setting`, at('blocked'));
    byLocation.set(key, t);
  });
}

/** V1RegistriesConf.ConvertToV2: each blocked or insecure location becomes a table of its own. */
function v1Tables(v1: { insecure: string[]; block: string[] }): RegistryTable[] {
  const map = new Map<string, RegistryTable>();
  const get = (location: string) => map.get(trimLocation(location)) ?? map.set(trimLocation(location), { prefix: trimLocation(location), location: trimLocation(location) }).get(trimLocation(location))!;
  for (const b of v1.block) get(b).blocked = true;
  for (const i of v1.insecure) get(i).insecure = true;
  return [...map.values()];
}

/**
 * The tables in effect after loading files in order (updateWithConfigurationFrom), with the file
 * each came from: a later file's table replaces an earlier one with the same prefix; within one
 * file the first one wins (postProcessRegistries drops the rest).
 */
export function effectiveTables(files: ReadonlyArray<{ path: string; conf: RegistriesConf }>): Map<string, { table: RegistryTable; path: string }> {
  const out = new Map<string, { table: RegistryTable; path: string }>();
  for (const { path, conf } of files) {
    const own = new Map<string, RegistryTable>();
    for (const t of conf.tables) if (!own.has(prefixOf(t))) own.set(prefixOf(t), t);
    for (const [prefix, table] of own) out.set(prefix, { table, path });
  }
  return out;
}
