import * as z from 'zod';
import { refused } from './errors.js';
import { migrateJournalV1 } from './journal-v1.js';

// The journal is regsetup's memory of what it changed on this host: `leave` undoes exactly
// what it lists and `status` compares it with the host. It lives in <stateDir>/state.json
// (/var/lib/regsetup/state.json) and is written before any host file (it records intent).
// Version 2 keeps one record per runtime session (docker, containerd, …) under each registry;
// a version-1 journal (Docker only) is read as the equivalent version 2 (docs/architecture.md).

export const DEFAULT_STATE_DIR = '/var/lib/regsetup';
export const JOURNAL_FILE = 'state.json';
export const JOURNAL_VERSION = 2;
export const journalPath = (stateDir: string): string => `${stateDir.replace(/\/+$/, '')}/${JOURNAL_FILE}`;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');

export const journalFileSchema = z.object({
  /** A host path (never prefixed with --root). */
  path: z.string().min(1),
  /** What regsetup wrote there; anything else found later is drift. */
  sha256,
  /** The file regsetup replaced, kept so `leave` can put it back. */
  previous: z.object({ backupPath: z.string().min(1), sha256 }).optional(),
});

/**
 * What one runtime session did for a registry. The journal only knows the common part; each
 * runtime parses the rest with its own strict schema (core never knows the runtimes).
 */
export const runtimeRecordSchema = z.looseObject({
  kind: z.string().min(1),
  /** Whole files regsetup installed for this runtime (CA files, hosts.toml it created, drop-ins). */
  files: z.array(journalFileSchema).default([]),
  /** Files it merged entries into (not owned): its last write there and the backup of what that replaced. */
  shared: z.array(journalFileSchema).optional(),
});

export const journalEntrySchema = z.object({
  registry: z.string().min(1),
  pushRegistry: z.string().min(1).optional(),
  /** The first join; `updatedAt` is the last one that changed something. */
  joinedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime().optional(),
  /** A digest of the resolved desired state of the last join (no secrets): a repeat with the same digest is a no-op candidate. */
  desiredDigest: z.string().optional(),
  runtimes: z.record(z.string(), runtimeRecordSchema),
});

export const journalSchema = z.object({
  version: z.literal(JOURNAL_VERSION),
  registries: z.record(z.string(), journalEntrySchema),
  /** Directories regsetup created for its files (/etc/containerd/certs.d, …): a leave removes them once empty. */
  createdDirs: z.array(z.string().min(1)).optional(),
});

export type JournalFile = z.infer<typeof journalFileSchema>;
export type RuntimeRecord = z.infer<typeof runtimeRecordSchema>;
export type JournalEntry = z.infer<typeof journalEntrySchema>;
export type Journal = z.infer<typeof journalSchema>;

export const emptyJournal = (): Journal => ({ version: JOURNAL_VERSION, registries: {} });

/** undefined or blank (no journal yet) is an empty journal; anything unreadable is refused. */
export function parseJournal(text: string | undefined, source = journalPath(DEFAULT_STATE_DIR)): Journal {
  if (text === undefined || text.trim() === '') return emptyJournal();
  const hint =
    `regsetup records what it changed in ${source}. Restore it from a backup, or move it away ` +
    '(regsetup then forgets what it installed, and `leave` cannot undo it).';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw refused('ERR_JOURNAL_MALFORMED', `${source} is not valid JSON: ${(error as Error).message}`, hint);
  }
  const version = (value as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > JOURNAL_VERSION) {
    throw refused('ERR_JOURNAL_VERSION', `${source} has version ${version}, written by a newer regsetup`, 'Use that newer regsetup on this host.');
  }
  if (version === 1) value = migrateJournalV1(value, source, hint);
  const result = journalSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.map(String).join('.') || 'journal'}: ${i.message}`);
    throw refused('ERR_JOURNAL_MALFORMED', `${source} is not a regsetup journal:\n  ${problems.join('\n  ')}`, hint);
  }
  return result.data;
}

export const serializeJournal = (journal: Journal): string => `${JSON.stringify(journal, null, 2)}\n`;

export function recordJoin(journal: Journal, entry: JournalEntry): Journal {
  return { ...journal, registries: { ...journal.registries, [entry.registry]: entry } };
}

export function forgetRegistry(journal: Journal, registry: string): Journal {
  const registries = { ...journal.registries };
  delete registries[registry];
  return { ...journal, registries };
}

/** Every file regsetup installed, with the registry and runtime session it belongs to. */
export function journalFiles(journal: Journal | undefined): Array<{ entry: JournalEntry; runtime: string; file: JournalFile }> {
  return Object.values(journal?.registries ?? {}).flatMap((entry) =>
    Object.entries(entry.runtimes).flatMap(([runtime, record]) => record.files.map((file) => ({ entry, runtime, file }))),
  );
}

/** The entry that installed the file at `path`, if regsetup installed it. */
export function fileOwner(journal: Journal | undefined, path: string): { entry: JournalEntry; runtime: string; file: JournalFile } | undefined {
  return journalFiles(journal).find((f) => f.file.path === path);
}
