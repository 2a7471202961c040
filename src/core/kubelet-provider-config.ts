import { Document, isMap, isSeq, parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { refused } from './errors.js';
import { decodeView, encodeForView } from './json-bytes.js';
import { editJsonView, type JsonEdit } from './json-edit.js';
import { scanJson } from './json-scan.js';
import { KUBELET_CONFIG_API_VERSION, type ProviderEntry } from './kubelet-provider-entry.js';

// kubelet's --image-credential-provider-config file, edited as text: regsetup's provider entry
// is added or updated in place; other providers, keys regsetup does not own (env,
// tokenAttributes), comments and formatting stay. kubelet decodes it strictly and refuses
// duplicate provider names and an empty providers list (pkg/credentialprovider/plugin/config.go).
// A file that starts with "{" is JSON to kubelet's decoder, so it is edited as JSON text.

export interface ProviderConfigEdit {
  /** The new file; undefined when it should be removed (no provider would be left). */
  text: string | undefined;
  changed: boolean;
  action: 'created' | 'modified' | 'unchanged' | 'removed';
}

const CONFIG_GROUP = 'kubelet.config.k8s.io/';
const HEADER = ' kubelet credential providers (--image-credential-provider-config). regsetup manages the\n entry named by its provider; edit the others freely.';

const malformed = (source: string, why: string) =>
  refused('ERR_KUBELET_PROVIDER_CONFIG_MALFORMED', `${source}: ${why}`, 'Fix or move the file; regsetup will not rewrite a file it cannot read.');

function load(text: string, source: string): { doc: Document; providers: YAMLSeq | undefined } {
  const doc = parseDocument(text);
  const error = doc.errors[0];
  if (error) throw malformed(source, `line ${error.linePos?.[0]?.line ?? '?'}: ${error.message.split('\n')[0]}`);
  if (!isMap(doc.contents)) throw malformed(source, 'it is not a CredentialProviderConfig (no mapping at the top)');
  const apiVersion = doc.get('apiVersion');
  const kind = doc.get('kind');
  if (kind !== 'CredentialProviderConfig' || typeof apiVersion !== 'string' || !apiVersion.startsWith(CONFIG_GROUP)) {
    throw malformed(source, `it is a ${String(kind)} of ${String(apiVersion)}, not a ${KUBELET_CONFIG_API_VERSION} CredentialProviderConfig`);
  }
  const providers = doc.get('providers', true);
  if (providers !== undefined && providers !== null && !isSeq(providers)) throw malformed(source, '"providers" is not a list');
  return { doc, providers: isSeq(providers) ? providers : undefined };
}

function findProvider(providers: YAMLSeq | undefined, name: string, source: string): YAMLMap | undefined {
  const mine = (providers?.items ?? []).filter((item): item is YAMLMap => isMap(item) && item.get('name') === name);
  if (mine.length > 1) throw malformed(source, `it has ${mine.length} providers named "${name}" (kubelet refuses duplicates)`);
  return mine[0];
}

/** The file's own list indentation and flow padding, so untouched entries keep their look. */
function style(before: string): { indentSeq: boolean; flowCollectionPadding: boolean } {
  return { indentSeq: !/^- /m.test(before), flowCollectionPadding: !/[[{][^\s\]}]/.test(before) || /[[{] \S/.test(before) };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const isJson = (text: string) => text.replace(/^\uFEFF/, '').trimStart().startsWith('{');
const toJs = (node: unknown): unknown => (node && typeof node === 'object' && 'toJSON' in node ? (node as { toJSON(): unknown }).toJSON() : node);

/** The same change as a JSON text edit of `providers`: every other key keeps the file's own layout. */
function jsonEdit(providers: YAMLSeq | undefined, existing: YAMLMap | undefined, entry: ProviderEntry): JsonEdit[] {
  const list = (toJs(providers) as Array<Record<string, unknown>> | undefined) ?? [];
  if (!existing) return [{ path: ['providers'], value: [...list, entry] }];
  const index = providers!.items.indexOf(existing);
  if (Object.entries(entry).every(([key, value]) => same(toJs(existing.get(key, true)), value))) return [];
  return [{ path: ['providers'], value: list.map((p, i) => (i === index ? { ...p, ...entry } : p)) }];
}

/** A JSON document's text with the edits applied (bytes outside them kept). */
function editJsonText(text: string, edits: readonly JsonEdit[], blankIndent: string): string {
  const view = encodeForView(text);
  return decodeView(editJsonView(view, scanJson(view, { maxDepth: 64, keep: 2 }), edits, blankIndent));
}

/** Add or update `entry` in the file's text (undefined or empty: a new file). */
export function planProviderConfig(before: string | undefined, entry: ProviderEntry, source = 'credential provider config'): ProviderConfigEdit {
  if (before === undefined || before.trim() === '') {
    const doc = new Document({ apiVersion: KUBELET_CONFIG_API_VERSION, kind: 'CredentialProviderConfig', providers: [entry] });
    doc.commentBefore = HEADER;
    return { text: doc.toString(), changed: true, action: 'created' };
  }
  const { doc, providers } = load(before, source);
  const existing = findProvider(providers, entry.name, source);
  if (isJson(before)) {
    const edits = jsonEdit(providers, existing, entry);
    return edits.length === 0 ? { text: before, changed: false, action: 'unchanged' } : { text: editJsonText(before, edits, '  '), changed: true, action: 'modified' };
  }
  let modified = false;
  if (existing) {
    // Key by key, so a comment on a key regsetup does not change survives.
    for (const [key, value] of Object.entries(entry)) {
      if (same(toJs(existing.get(key, true)), value)) continue;
      existing.set(key, doc.createNode(value));
      modified = true;
    }
  } else if (providers) {
    providers.add(doc.createNode(entry));
    modified = true;
  } else {
    doc.set('providers', doc.createNode([entry]));
    modified = true;
  }
  return modified ? { text: doc.toString(style(before)), changed: true, action: 'modified' } : { text: before, changed: false, action: 'unchanged' };
}

/** Take the provider named `name` out again; a file left with no provider is to be removed. */
export function unplanProviderConfig(before: string | undefined, name: string, source = 'credential provider config'): ProviderConfigEdit {
  if (before === undefined || before.trim() === '') return { text: before, changed: false, action: 'unchanged' };
  const { doc, providers } = load(before, source);
  const existing = findProvider(providers, name, source);
  if (!existing || !providers) return { text: before, changed: false, action: 'unchanged' };
  const left = providers.items.filter((item) => item !== existing);
  if (left.length === 0) return { text: undefined, changed: true, action: 'removed' };
  if (isJson(before)) return { text: editJsonText(before, [{ path: ['providers'], value: left.map(toJs) }], '  '), changed: true, action: 'modified' };
  providers.items = left;
  return { text: doc.toString(style(before)), changed: true, action: 'modified' };
}
