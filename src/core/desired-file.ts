import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { badInput } from './errors.js';
import { parseDuration } from './duration.js';
import { registryEntrySchema, type DesiredState } from './desired-state.js';

// The desired-state file (/etc/regsetup/regsetup.yaml): the registries this node joins, each
// exactly what `join` takes as flags (core/desired-state.ts, the one schema), plus the agent's
// settings. Parsed with `yaml` keeping positions, so every problem names its line and column.

export const DEFAULT_DESIRED_FILE = '/etc/regsetup/regsetup.yaml';
export const DESIRED_FILE_VERSION = 1;

const duration = (what: string, min: number) =>
  z.union([z.number(), z.string()], { error: `expected a duration such as 30s, 5m or 1h (${what})` }).transform((value, ctx) => {
    const ms = typeof value === 'number' ? value * 1000 : parseDuration(value);
    if (ms === undefined || ms < min) {
      ctx.addIssue({ code: 'custom', message: `expected a duration of at least ${min / 1000}s such as 30s, 5m or 1h, got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return ms;
  });

const listen = z.string().regex(/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\]|localhost):\d{1,5}$/i, 'expected host:port, e.g. 127.0.0.1:9324');

export const AGENT_MODES = ['repair', 'report'] as const;
export type AgentMode = (typeof AGENT_MODES)[number];

export const agentSettingsSchema = z.strictObject({
  /** The full check (network included): every 5 minutes by default. */
  interval: duration('interval', 1000).default(300_000),
  /** repair: put drift back through plan/apply; report: only say so. */
  mode: z.enum(AGENT_MODES, { error: 'expected repair or report' }).default('repair'),
  /** TCP for /healthz and /metrics besides the unix socket, e.g. 127.0.0.1:9324. */
  listen: listen.optional(),
  socket: z.string().min(1).default('/run/regsetup/agent.sock'),
  /** Quiet time after a file event before looking (editors write in several steps). */
  debounce: duration('debounce', 10).default(200),
  /** Retry after a failed repair: doubling from `initial`, never above `max`. */
  backoff: z.strictObject({ initial: duration('backoff.initial', 100).default(5_000), max: duration('backoff.max', 100).default(300_000) }).default({ initial: 5_000, max: 300_000 }),
  /** A CA that expires sooner than this is a warning. */
  caExpiryWarning: duration('caExpiryWarning', 0).default(30 * 86_400_000),
  /** The Docker config directory whose credHelpers the agent keeps (default $DOCKER_CONFIG or ~/.docker). */
  dockerConfig: z.string().min(1).optional(),
});

export type AgentSettings = z.output<typeof agentSettingsSchema>;

export const desiredFileSchema = z
  .strictObject({
    version: z.literal(DESIRED_FILE_VERSION, { error: `expected version: ${DESIRED_FILE_VERSION}` }),
    agent: agentSettingsSchema.default(agentSettingsSchema.parse({})),
    registries: z.array(registryEntrySchema).default([]),
  })
  .superRefine((file, ctx) => {
    const seen = new Map<string, number>();
    file.registries.forEach((entry, i) => {
      const first = seen.get(entry.registry);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['registries', i, 'registry'], message: `${entry.registry} is listed twice (also registries.${first})` });
      seen.set(entry.registry, i);
    });
  });

export interface DesiredFile {
  version: number;
  agent: AgentSettings;
  registries: DesiredState[];
}

export interface FileProblem {
  line: number;
  column: number;
  /** Dotted field path, e.g. registries.0.ca.fingerprints.1 ('' for the document). */
  path: string;
  message: string;
}

export type DesiredFileParse = { ok: true; file: DesiredFile; document: Document } | { ok: false; problems: FileProblem[] };

/** Parse and validate the file's text; every problem with its position. An empty file is an empty desired state. */
export function parseDesiredFile(text: string): DesiredFileParse {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const pos = lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  if (document.errors.length > 0) {
    return { ok: false, problems: document.errors.map((e) => ({ ...at(e.pos[0]), path: '', message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') })) };
  }
  const value: unknown = text.trim() === '' ? { version: DESIRED_FILE_VERSION } : document.toJS();
  const result = desiredFileSchema.safeParse(value);
  if (result.success) return { ok: true, file: result.data as DesiredFile, document };
  const problems = result.error.issues.flatMap((issue) => {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    // An unknown key points at the key itself, one problem per key.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ ...at(keyOffset(document, path, key) ?? nodeOffset(document, path)), path: [...path, key].join('.'), message: `unknown key "${key}"` }));
    }
    return [{ ...at(nodeOffset(document, path)), path: path.join('.'), message: issue.message }];
  });
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: false, problems };
}

/** The file's problems as `FILE:LINE:COLUMN: message` lines (what `config validate` prints). */
export const formatProblems = (file: string, problems: readonly FileProblem[]): string[] =>
  problems.map((p) => `${file}:${p.line}:${p.column}: ${p.path === '' ? '' : `${p.path}: `}${p.message}`);

/** Parse or refuse (exit 2) with every problem and its position. */
export function loadDesiredFile(text: string | undefined, source: string): DesiredFile {
  if (text === undefined) throw badInput('ERR_CONFIG_MISSING', `${source} does not exist`, `Create it (regsetup join <registry> … --save writes it), or name another with --config.`);
  const parsed = parseDesiredFile(text);
  if (!parsed.ok) throw badInput('ERR_CONFIG_INVALID', `${source} is not a valid desired-state file:\n  ${formatProblems(source, parsed.problems).join('\n  ')}`, `Check it with \`regsetup config validate ${source}\`.`);
  return parsed.file;
}

// The deepest node of the path that exists: a missing field is reported where its parent is.
function nodeOffset(document: Document, path: ReadonlyArray<string | number>): number {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? document.contents : (document.getIn(path.slice(0, n), true) as Node | undefined);
    if (node && typeof node === 'object' && 'range' in node && node.range) return node.range[0];
  }
  return 0;
}

function keyOffset(document: Document, path: ReadonlyArray<string | number>, key: string): number | undefined {
  const map = path.length === 0 ? document.contents : document.getIn(path, true);
  if (!isMap(map)) return undefined;
  const pair = map.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  return isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
}
