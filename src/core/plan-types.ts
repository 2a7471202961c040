import type { RestartPolicy } from './desired-state.js';
import type { JournalEntry, JournalFile } from './journal.js';
import type { MirrorPair } from './mirrors.js';

/**
 * The desired state once the network work is done: `auto` mirrors probed into concrete URLs
 * (or dropped), `--mirror-for` pairs added, the CA fetched, checked against the pins, accepted.
 * This is what every runtime's pure planner gets.
 */
export interface ResolvedDesired {
  /** host[:port], parsed once (core/registry-name.ts). */
  registry: string;
  pushRegistry?: string;
  /** Every mirror asked for, Docker Hub's and others'; each runtime takes what it can use. */
  mirrors: MirrorPair[];
  insecure: boolean;
  /** Insecure registries that answer only plain HTTP (preflight tried HTTPS first, as dockerd does). */
  plainHttp?: string[];
  /** CA certificates to trust for the registry and push registry; empty = the system store suffices. Several during a rotation. */
  caPems: string[];
  /** A client certificate and key (PEM contents) to present, when the registry wants one. */
  clientCert?: { cert: string; key: string };
  restart: RestartPolicy;
  /**
   * The join's credentials go into regsetup's helper (docker-credential-regsetup) for the registry
   * and push registry: runtimes that name a helper per registry in their own file point it there.
   */
  credentialHelper?: boolean;
  kubeletCredentialProvider: boolean;
  migrateContainerdMirrors: boolean;
  k3sStoreAuthPlaintext: boolean;
  /** Only with k3sStoreAuthPlaintext: k3s takes credentials nowhere but in registries.yaml. */
  plaintextAuth?: { username: string; password: string };
  /** Whose credentials the join was given (never the password): a runtime that cannot take them says where they go instead. */
  credentialsUser?: string;
  /** doctor --fix only (never a join's flag): a file regsetup created that no longer parses is written anew, its old text in the diff. */
  replaceUnparsable?: boolean;
}

/** The registries a join touches, registry first. */
export const joinHosts = (d: Pick<ResolvedDesired, 'registry' | 'pushRegistry'>): string[] =>
  [...new Set([d.registry, ...(d.pushRegistry === undefined ? [] : [d.pushRegistry])])];

/** How a runtime learns of the change: nothing (files read per pull), a reload (SIGHUP), or a restart. */
export type Activation = 'none' | 'reload' | 'restart';

export type FileAction =
  | {
      kind: 'write-file';
      path: string;
      before?: string;
      after: string;
      mode: number;
      reason: string;
      /** Holds a secret (a client key, plaintext k3s auth): never shown in a diff or JSON. */
      secret?: boolean;
      /** For a secret file: what a diff may show instead, the same texts with every secret masked. */
      shown?: { before?: string; after: string };
      /** How `before`/`after` stand for the file's bytes: absent is UTF-8 text; 'latin1' is one char per byte, so a file that is not valid UTF-8 is compared and restored byte for byte. */
      encoding?: 'latin1';
    }
  | { kind: 'remove-file'; path: string; before: string; reason: string; secret?: boolean; encoding?: 'latin1' };

/** A file to remove (or to rewrite as `after`) once the runtime has confirmed the plan, if it still reads `ifContent`. */
export interface Cleanup {
  path: string;
  ifContent: string;
  /** The file's last form (e.g. daemon.json without the lists join added, now empty); absent: remove it. */
  after?: string;
  /** As FileAction.encoding, for ifContent and after. */
  encoding?: 'latin1';
  reason: string;
}

/** Another registry's whole record of the same runtime, as it becomes when it takes something over. */
export interface HandOver {
  registry: string;
  record: PlannedRecord;
}

/** A journal file record whose backup path apply fills in once it has made the backup. */
export type PlannedFile = Omit<JournalFile, 'previous'> & { previous?: { sha256: string; backupPath?: string } };
/**
 * A runtime's journal record. `files` are whole files it owns; `shared` are files it merged entries
 * into (k3s's registries.yaml): what it last wrote there and, like `files`, the backup of what that
 * write replaced, whose path apply fills in — so leave can give back the original bytes.
 */
export type PlannedRecord = { kind: string; files: PlannedFile[]; shared?: PlannedFile[]; [key: string]: unknown };

/** One runtime session's part of a plan. */
export interface RuntimePlan {
  /** The session id, also its key in the journal: docker, docker-rootless:1001, containerd, podman, … */
  runtime: string;
  kind: string;
  /** How a person calls it: "dockerd", "containerd (CRI)". */
  label: string;
  /** Host paths, in the order apply runs them. */
  actions: FileAction[];
  /** Files looked at and already as desired. */
  unchanged: string[];
  activation: Activation;
  /** How, in a few words: "SIGHUP; running containers keep running". */
  activationDetail?: string;
  /** What the session's confirm checks once the runtime has the new files (plain data). */
  expect?: unknown;
  /** What confirm checks after a rollback: the runtime back on its old settings. */
  expectBefore?: unknown;
  warnings: string[];
  /** The runtime's journal record after the plan: undefined = as it is, null = forget it. */
  record?: PlannedRecord | null;
  /**
   * What this registry made that others still need or still fill (containerd's config_path, a
   * daemon.json or hosts.toml it created that holds their entries now): each named registry's
   * record of this runtime takes it over, so whichever leaves last undoes it, in any order.
   */
  handOver?: HandOver[];
  cleanup?: Cleanup[];
}

/** What apply records in the journal, under the lock, before it writes any host file. */
export type JournalUpdate = ({ op: 'record'; entry: PlannedJournalEntry } | { op: 'forget'; registry: string }) & {
  /** Records of other registries that take over a node-wide change (RuntimePlan.handOver). */
  also?: Array<{ registry: string; runtime: string; record: PlannedRecord }>;
};

export type PlannedJournalEntry = Omit<JournalEntry, 'runtimes'> & { runtimes: Record<string, PlannedRecord> };

export interface Plan {
  operation: 'join' | 'leave';
  registry: string;
  runtimes: RuntimePlan[];
  warnings: string[];
  /** undefined when the journal already says it all. */
  journal?: JournalUpdate;
}

export const planActions = (plan: Plan): FileAction[] => plan.runtimes.flatMap((r) => r.actions);

/** Nothing to write, nothing to record, nobody to signal: "already up to date". */
export const isEmptyPlan = (plan: Plan): boolean =>
  plan.journal === undefined && plan.runtimes.every((r) => r.actions.length === 0 && r.activation === 'none');

/** The bytes an action's text stands for. */
export const contentBytes = (text: string, encoding: 'latin1' | undefined): Buffer => Buffer.from(text, encoding ?? 'utf8');

/** An action's before/after as a person reads it (a byte view decoded as UTF-8). */
export const readable = (text: string | undefined, encoding: 'latin1' | undefined): string | undefined =>
  text === undefined || encoding === undefined ? text : Buffer.from(text, 'latin1').toString('utf8');
