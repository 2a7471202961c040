import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from 'yaml';
import * as z from 'zod';
import { refused, type RegsetupError } from '../../core/errors.js';

// registries.yaml as k3s reads it (rancher/wharfie pkg/registries: mirrors.<name>.{endpoint,rewrite},
// configs.<host>.{auth.{username,password,auth,identity_token}, tls.{ca_file,cert_file,key_file,
// insecure_skip_verify}}; docs.k3s.io/installation/private-registry). Parsed with the yaml Document
// API so an edit keeps comments, key order and every entry regsetup does not own; checked with zod
// so a wrongly typed file is refused with its line and column before anything is written.

/** Go's yaml.v2 decodes any scalar into a string field (`password: 1234` is a password). */
const text = z.union([z.string(), z.number(), z.boolean()]).nullish();
const mirrorSchema = z
  .looseObject({ endpoint: z.array(z.union([z.string(), z.number()])).nullish(), rewrite: z.record(z.string(), text).nullish() })
  .nullable();
const configSchema = z
  .looseObject({
    auth: z.looseObject({ username: text, password: text, auth: text, identity_token: text }).nullish(),
    tls: z.looseObject({ ca_file: text, cert_file: text, key_file: text, insecure_skip_verify: z.boolean().nullish() }).nullish(),
  })
  .nullable();
const fileSchema = z
  .looseObject({ mirrors: z.record(z.string(), mirrorSchema).nullish(), configs: z.record(z.string(), configSchema).nullish() })
  .nullable();

export interface RegistriesValue {
  mirrors: Record<string, { endpoint: string[]; rewrite: boolean }>;
  configs: Record<string, { auth?: Record<string, unknown>; tls?: { ca_file?: string; cert_file?: string; key_file?: string; insecure_skip_verify?: boolean } }>;
}

export interface ParsedRegistries {
  doc: Document;
  value: RegistriesValue;
  lines: LineCounter;
}

/** A registries.yaml is a few hundred bytes; anything this big is not one (or would make the node slow to read it). */
export const MAX_REGISTRIES_BYTES = 1024 * 1024;

const hint = (path: string) => `Fix ${path} by hand at the place named (or move it away and keep a copy), then run the command again; nothing was changed.`;

const problem = (path: string, what: string): RegsetupError => refused('ERR_K3S_REGISTRIES_MALFORMED', `${path} ${what}`, hint(path));

const at = (lines: LineCounter, offset: number | undefined): string => {
  if (offset === undefined) return '';
  const { line, col } = lines.linePos(offset);
  return ` line ${line} column ${col}`;
};

/** Where a path of the document starts (a map entry: its key); the nearest parent that exists when it does not. */
function offsetOf(doc: Document, path: ReadonlyArray<string | number>): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1) as Array<string | number>, true);
    const last = String(path[n - 1]);
    const node = isMap(parent)
      ? parent.items.find((p) => isScalar(p.key) && String(p.key.value) === last)?.key
      : isSeq(parent)
        ? parent.items[Number(last)]
        : undefined;
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) return range[0];
  }
  return (doc.contents as { range?: [number, number, number] } | null)?.range?.[0];
}

function textPos(input: string, offset: number): string {
  const before = input.slice(0, offset);
  const line = before.split('\n').length;
  return ` line ${line} column ${offset - before.lastIndexOf('\n')}`;
}

/** NUL, other C0 controls and invalid UTF-8 (decoded as U+FFFD) mean a binary file, not YAML. */
function binaryAt(input: string): number | undefined {
  // eslint-disable-next-line no-control-regex
  const hit = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffd]/.exec(input);
  return hit?.index;
}

const scalars = (list: ReadonlyArray<string | number> | null | undefined): string[] => (list ?? []).map(String);
const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

/** Parse and type-check; refuses (exit 4) with the line and column of the first problem. */
export function parseRegistries(input: string, path: string): ParsedRegistries {
  const lines = new LineCounter();
  const bad = binaryAt(input);
  if (bad !== undefined) throw problem(path, `is not a text file (a control or non-UTF-8 byte at${textPos(input, bad)})`);
  const doc = parseDocument(input, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const error = doc.errors[0];
  if (error) throw problem(path, `is not valid YAML at${at(lines, error.pos[0])}: ${error.message.split('\n')[0]}`);
  let alias: number | undefined;
  visit(doc, { Alias: (_key, node) => void (alias ??= isAlias(node) ? node.range?.[0] : undefined) });
  if (alias !== undefined) throw problem(path, `uses a YAML alias at${at(lines, alias)}; regsetup edits only plain entries (an alias would change several at once)`);
  const js: unknown = doc.toJS();
  const result = fileSchema.safeParse(js === undefined ? null : js);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.map(String).join('.') || 'the top level';
    throw problem(path, `has a wrong type at${at(lines, offsetOf(doc, issue.path as Array<string | number>) ?? 0)} (${where}): ${issue.message}`);
  }
  const data = result.data ?? {};
  const mirrors: RegistriesValue['mirrors'] = {};
  for (const [name, m] of Object.entries(data.mirrors ?? {})) mirrors[name] = { endpoint: scalars(m?.endpoint), rewrite: m?.rewrite != null };
  const configs: RegistriesValue['configs'] = {};
  for (const [host, c] of Object.entries(data.configs ?? {})) {
    const tls = c?.tls ?? undefined;
    configs[host] = {
      ...(c?.auth ? { auth: c.auth } : {}),
      ...(tls
        ? {
            tls: {
              ...(str(tls.ca_file) ? { ca_file: str(tls.ca_file)! } : {}),
              ...(str(tls.cert_file) ? { cert_file: str(tls.cert_file)! } : {}),
              ...(str(tls.key_file) ? { key_file: str(tls.key_file)! } : {}),
              ...(typeof tls.insecure_skip_verify === 'boolean' ? { insecure_skip_verify: tls.insecure_skip_verify } : {}),
            },
          }
        : {}),
    };
  }
  return { doc, value: { mirrors, configs }, lines };
}

/** The line and column of a node at a path in the document, for messages ("" when not found). */
export const positionOf = (parsed: ParsedRegistries, path: ReadonlyArray<string | number>): string => at(parsed.lines, offsetOf(parsed.doc, path));
