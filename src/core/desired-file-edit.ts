import { isMap, isSeq, parseDocument, type Document, type YAMLMap } from 'yaml';
import { badInput } from './errors.js';
import { DESIRED_FILE_VERSION, parseDesiredFile, formatProblems } from './desired-file.js';
import { registryEntrySchema, type DesiredState } from './desired-state.js';
import { parseRegistry } from './registry-name.js';

// `join --save` and `leave --save` edit the desired-state file as text in, text out, through the
// yaml Document API: comments, key order and the other entries stay as the operator wrote them.

// As most people write YAML by hand: `[a, b]`, not yaml's default `[ a, b ]`.
const FORMAT = { flowCollectionPadding: false } as const;

const DEFAULTS = registryEntrySchema.parse({ registry: 'defaults.invalid' }) as unknown as Record<string, unknown>;

/** Drop what is not given and what equals the default, so a saved entry says only what was asked for. */
function compact(value: unknown, defaults: unknown): unknown {
  if (value === undefined || JSON.stringify(value) === JSON.stringify(defaults)) return undefined;
  if (Array.isArray(value) || value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const c = compact(v, (defaults as Record<string, unknown> | undefined)?.[key]);
    if (c !== undefined) out[key] = c;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** The file's form of a join's entry: its input (what the flags said) without defaults, the registry as parsed. */
export function savedEntry(input: Record<string, unknown>, desired: Pick<DesiredState, 'registry'>): Record<string, unknown> {
  const rest = (compact({ ...input, registry: undefined }, { ...DEFAULTS, registry: undefined }) ?? {}) as Record<string, unknown>;
  return { registry: desired.registry, ...rest };
}

function documentOf(text: string | undefined, source: string): Document {
  if (text === undefined || text.trim() === '') return parseDocument(`version: ${DESIRED_FILE_VERSION}\nregistries: []\n`);
  const parsed = parseDesiredFile(text);
  if (!parsed.ok) {
    throw badInput('ERR_CONFIG_INVALID', `${source} is not a valid desired-state file; not changed:\n  ${formatProblems(source, parsed.problems).join('\n  ')}`, `Fix it first (regsetup config validate ${source}).`);
  }
  return parsed.document;
}

const hostPortOf = (item: unknown): string | undefined => {
  if (!isMap(item)) return undefined;
  const value = item.get('registry');
  try {
    return typeof value === 'string' ? parseRegistry(value).hostPort : undefined;
  } catch {
    return undefined;
  }
};

function registriesOf(document: Document) {
  let seq = document.get('registries', true);
  if (!isSeq(seq)) {
    document.set('registries', document.createNode([]));
    seq = document.get('registries', true);
  }
  if (!isSeq(seq)) throw new Error('registries is not a list');
  // An empty flow list `[]` would stay on one line; a block list reads better once it has entries.
  seq.flow = false;
  return seq;
}

/** Add the entry, or update the one with the same registry key by key (comments on kept keys stay). */
export function upsertRegistry(text: string | undefined, entry: Record<string, unknown>, source: string): { text: string; changed: boolean; added: boolean } {
  const document = documentOf(text, source);
  const seq = registriesOf(document);
  const hostPort = String(entry.registry);
  const existing = seq.items.find((item) => hostPortOf(item) === hostPort) as YAMLMap | undefined;
  if (existing === undefined) {
    seq.items.push(document.createNode(entry));
  } else {
    for (const pair of [...existing.items]) {
      const key = String((pair.key as { value?: unknown }).value ?? pair.key);
      if (!(key in entry)) existing.delete(key);
    }
    for (const [key, value] of Object.entries(entry)) {
      if (JSON.stringify((existing.get(key, true) as { toJSON?: () => unknown } | undefined)?.toJSON?.() ?? existing.get(key)) !== JSON.stringify(value)) existing.set(key, document.createNode(value));
    }
  }
  const out = document.toString(FORMAT);
  return { text: out, changed: out !== text, added: existing === undefined };
}

/** Remove the registry's entry; unchanged text when the file does not list it. */
export function removeRegistry(text: string | undefined, registry: string, source: string): { text: string | undefined; changed: boolean } {
  if (text === undefined) return { text, changed: false };
  const document = documentOf(text, source);
  const seq = document.get('registries', true);
  const hostPort = parseRegistry(registry).hostPort;
  if (!isSeq(seq)) return { text, changed: false };
  const index = seq.items.findIndex((item) => hostPortOf(item) === hostPort);
  if (index < 0) return { text, changed: false };
  seq.items.splice(index, 1);
  return { text: document.toString(FORMAT), changed: true };
}
