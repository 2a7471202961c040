import { sha256Hex } from './digest.js';
import type { RegsetupError } from './errors.js';
import { fileOwner, journalFiles, type Journal, type JournalFile } from './journal.js';
import type { FileAction, PlannedFile } from './plan-types.js';

// Whole files regsetup owns (a CA in certs.d, a hosts.toml it created, a drop-in): written when
// absent, left when already right, replaced only when regsetup itself installed what is there,
// and on leave removed — or the file they replaced put back from its backup.

export interface OwnedFileInput {
  path: string;
  content: string;
  /** What is there now; undefined when absent. */
  current: string | undefined;
  mode: number;
  journal: Journal | undefined;
  /** The registry this plan is for (a file of its own may be replaced). */
  registry: string;
  reason: string;
  /** Equal in meaning (e.g. the same certificate in other line endings). */
  same?: (a: string, b: string) => boolean;
  /** A file that is not regsetup's holds something else: why that is refused. */
  conflict: (current: string) => RegsetupError;
  secret?: boolean;
}

export interface OwnedFilePlan {
  path: string;
  action?: FileAction;
  /** The journal's record of the file after this plan; undefined = not regsetup's. */
  file?: PlannedFile;
}

export function planOwnedFile(i: OwnedFileInput): OwnedFilePlan {
  const same = i.same ?? ((a, b) => a === b);
  const secret = i.secret === true ? { secret: true } : {};
  const owner = fileOwner(i.journal, i.path);
  if (i.current !== undefined && same(i.current, i.content)) {
    // Already right. Still ours if we installed it (a repeat join keeps owning it).
    return { path: i.path, ...(owner && owner.entry.registry === i.registry ? { file: owner.file } : {}) };
  }
  const sha256 = sha256Hex(i.content);
  if (i.current === undefined) {
    return { path: i.path, action: { kind: 'write-file', path: i.path, after: i.content, mode: i.mode, reason: i.reason, ...secret }, file: { path: i.path, sha256 } };
  }
  if (owner === undefined) throw i.conflict(i.current);
  // Replacing our own file (CA rotation, drift repair) keeps the record of what was there
  // before regsetup first touched it; taking over another registry's file remembers that one.
  const earlier = owner.entry.registry === i.registry ? owner.file.previous : { sha256: sha256Hex(i.current) };
  return {
    path: i.path,
    action: { kind: 'write-file', path: i.path, before: i.current, after: i.content, mode: i.mode, reason: i.reason, ...secret },
    file: { path: i.path, sha256, ...(earlier === undefined ? {} : { previous: earlier }) },
  };
}

export interface UndoInput {
  file: JournalFile;
  current: string | undefined;
  /** Contents of backup files, by backup path. */
  backups: Record<string, string> | undefined;
  journal: Journal | undefined;
  /** The registry being left (another one may have installed its own file here since). */
  registry: string;
  reason: string;
  warnings: string[];
}

/** What leave does with one file regsetup installed; undefined = leave it as it is. */
export function undoOwnedFile(u: UndoInput): FileAction | undefined {
  const { file, current } = u;
  if (current !== undefined && sha256Hex(current) !== file.sha256) {
    // Another joined registry installed its own file here since (this one's push registry, say): still in use.
    const sha = sha256Hex(current);
    const taken = journalFiles(u.journal).some((f) => f.entry.registry !== u.registry && f.file.path === file.path && f.file.sha256 === sha);
    if (!taken) u.warnings.push(`${file.path} was changed after join; left as it is.`);
    return undefined;
  }
  if (file.previous !== undefined) {
    const backup = u.backups?.[file.previous.backupPath];
    if (backup === undefined || sha256Hex(backup) !== file.previous.sha256) {
      u.warnings.push(`The backup ${file.previous.backupPath} of the file join replaced is missing or changed; ${file.path} is left as it is.`);
      return undefined;
    }
    return { kind: 'write-file', path: file.path, ...(current === undefined ? {} : { before: current }), after: backup, mode: 0o644, reason: 'restore the file join replaced' };
  }
  if (current === undefined) return undefined;
  return { kind: 'remove-file', path: file.path, before: current, reason: u.reason };
}

/** The state of each recorded file: as installed, changed by hand since, or gone. */
export function ownedFileState(file: JournalFile, current: string | undefined): 'ok' | 'missing' | 'changed' {
  return current === undefined ? 'missing' : sha256Hex(current) === file.sha256 ? 'ok' : 'changed';
}
