import type { DesiredState } from './desired-state.js';
import type { JournalEntry } from './journal.js';

/**
 * The desired state once the caller has done the network work: `auto` mirrors probed
 * into concrete URLs (or dropped) and the CA fetched, checked against the pin, accepted.
 */
export interface ResolvedDesired extends Omit<DesiredState, 'mirrors'> {
  /** Normalised mirror URLs; empty for `none` or when `auto` found no mirror. */
  mirrors: string[];
  /** The CA to install for the registry (and the push registry); undefined = install none. */
  caPem?: string;
  caFingerprint?: string;
}

export type DaemonAction = 'reload' | 'restart' | 'none';

export type Action =
  | { kind: 'write-file'; path: string; before?: string; after: string; mode: number; reason: string }
  | { kind: 'remove-file'; path: string; before: string; reason: string };

/** What apply records in the journal, under the lock, before it writes any host file. */
export type JournalUpdate =
  | { op: 'record'; entry: PlannedJournalEntry }
  | { op: 'forget'; registry: string };

/**
 * A journal entry whose `previous` files name only their hash: the backup path is known
 * only once apply has made the backup, and apply fills it in.
 */
export type PlannedJournalEntry = Omit<JournalEntry, 'files'> & {
  files: Array<{ path: string; sha256: string; previous?: { sha256: string; backupPath?: string } }>;
};

export interface Plan {
  operation: 'join' | 'leave';
  registry: string;
  /** The daemon.json this plan edits: apply confirms its keys with `docker info`. */
  daemonJsonPath: string;
  /** Host paths, in the order apply runs them. */
  actions: Action[];
  /** Files looked at and already as desired (reported as "unchanged"). */
  unchanged: string[];
  daemon: DaemonAction;
  warnings: string[];
  /** undefined when the journal already says it all. */
  journal?: JournalUpdate;
  /**
   * Files to remove once dockerd has confirmed the plan, if they still read `ifContent`: a
   * daemon.json join created is emptied first (dockerd keeps an absent key on SIGHUP), then removed.
   */
  cleanup?: Array<{ path: string; ifContent: string; reason: string }>;
}

/** Nothing to write, nothing to record, nobody to signal: "already up to date". */
export const isEmptyPlan = (plan: Plan): boolean => plan.actions.length === 0 && plan.journal === undefined && plan.daemon === 'none';
