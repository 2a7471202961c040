import * as z from 'zod';
import { refused } from './errors.js';

// The journal is regsetup's memory of what it changed on this host: `leave` undoes exactly
// what it lists and `status` compares it with the host. It lives in <stateDir>/state.json
// (/var/lib/regsetup/state.json) and is written before any host file (it records intent).

export const DEFAULT_STATE_DIR = '/var/lib/regsetup';
export const JOURNAL_FILE = 'state.json';
export const journalPath = (stateDir: string): string => `${stateDir.replace(/\/+$/, '')}/${JOURNAL_FILE}`;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');

const journalFileSchema = z.object({
  /** A host path (never prefixed with --root). */
  path: z.string().min(1),
  /** What regsetup wrote there; anything else found later is drift. */
  sha256,
  /** The file regsetup replaced, kept so `leave` can put it back. */
  previous: z.object({ backupPath: z.string().min(1), sha256 }).optional(),
});

export const journalEntrySchema = z.object({
  registry: z.string().min(1),
  pushRegistry: z.string().min(1).optional(),
  /** The first join; `updatedAt` is the last one that changed something. */
  joinedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime().optional(),
  daemonJsonPath: z.string().min(1),
  /** Only entries join added: those already there before join are not ours to remove. */
  added: z.object({ mirrors: z.array(z.string()), insecure: z.array(z.string()) }),
  files: z.array(journalFileSchema),
  /** There was no daemon.json before join made one: leave removes it again once it is empty. */
  createdDaemonJson: z.boolean().optional(),
});

export const journalSchema = z.object({
  version: z.literal(1),
  registries: z.record(z.string(), journalEntrySchema),
});

export type JournalFile = z.infer<typeof journalFileSchema>;
export type JournalEntry = z.infer<typeof journalEntrySchema>;
export type Journal = z.infer<typeof journalSchema>;

export const emptyJournal = (): Journal => ({ version: 1, registries: {} });

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
  if (typeof version === 'number' && version > 1) {
    throw refused('ERR_JOURNAL_VERSION', `${source} has version ${version}, written by a newer regsetup`, 'Use that newer regsetup on this host.');
  }
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

/** The entry that installed the file at `path`, if regsetup installed it. */
export function fileOwner(journal: Journal | undefined, path: string): { entry: JournalEntry; file: JournalFile } | undefined {
  for (const entry of Object.values(journal?.registries ?? {})) {
    const file = entry.files.find((f) => f.path === path);
    if (file) return { entry, file };
  }
  return undefined;
}
export { driftReport, type DriftReport, type RegistryDrift } from './drift.js';
