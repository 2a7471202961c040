import { forgetRegistry, parseJournal, recordJoin, serializeJournal, type JournalEntry, type JournalFile, type RuntimeRecord } from '../core/journal.js';
import type { Plan, PlannedFile, PlannedJournalEntry, PlannedRecord } from '../core/plan-types.js';
import type { Files } from '../host/files.js';
import type { Original } from './backup.js';

/**
 * Record the plan's journal update on top of the journal as it is now (read under the
 * lock, so a concurrent run's entry is kept), with the backup paths this run made.
 */
export async function writeJournal(
  files: Files,
  path: string,
  current: string | undefined,
  plan: Plan,
  originals: readonly Original[],
  dirs: { created?: readonly string[]; removed?: readonly string[] } = {},
): Promise<void> {
  const update = plan.journal;
  if (update === undefined && (dirs.created ?? []).length === 0 && (dirs.removed ?? []).length === 0) return;
  let journal = parseJournal(current, path);
  const createdDirs = [...new Set([...(journal.createdDirs ?? []), ...(dirs.created ?? [])])].filter((d) => !(dirs.removed ?? []).includes(d));
  journal = { ...journal, ...(createdDirs.length > 0 ? { createdDirs } : { createdDirs: undefined }) };
  if (createdDirs.length === 0) delete journal.createdDirs;
  if (update === undefined) {
    await files.writeAtomic(path, serializeJournal(journal), { mode: 0o600 });
    return;
  }
  let next = update.op === 'forget' ? forgetRegistry(journal, update.registry) : recordJoin(journal, withBackups(update.entry, originals));
  for (const { registry, runtime, record } of update.also ?? []) {
    const heir = next.registries[registry];
    if (heir !== undefined) next = recordJoin(next, { ...heir, runtimes: { ...heir.runtimes, [runtime]: recordWithBackups(record, originals) } });
  }
  await files.writeAtomic(path, serializeJournal(next), { mode: 0o600 });
}

function withBackups(entry: PlannedJournalEntry, originals: readonly Original[]): JournalEntry {
  const runtimes = Object.fromEntries(Object.entries(entry.runtimes).map(([id, record]) => [id, recordWithBackups(record, originals)]));
  return { ...entry, runtimes };
}

function recordWithBackups(record: PlannedRecord, originals: readonly Original[]): RuntimeRecord {
  const withBackup = ({ previous, ...file }: PlannedFile): JournalFile => {
    if (previous === undefined) return file;
    const backupPath = previous.backupPath ?? originals.find((o) => o.path === file.path)?.backupPath;
    // The planner asked to remember a file this run did not back up: a planner bug, not a user error.
    if (backupPath === undefined) throw new Error(`no backup of ${file.path}, which the journal must remember`);
    return { ...file, previous: { sha256: previous.sha256, backupPath } };
  };
  const { shared, ...rest } = record;
  return { ...rest, files: record.files.map(withBackup), ...(shared === undefined ? {} : { shared: shared.map(withBackup) }) };
}
