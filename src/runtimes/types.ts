import type { RuntimeKind } from '../core/desired-state.js';
import type { Journal, JournalEntry, RuntimeRecord } from '../core/journal.js';
import type { ResolvedDesired, RuntimePlan } from '../core/plan-types.js';
import type { Clock, Sleep } from '../host/clock.js';
import type { DockerApi } from '../host/docker-api.js';
import type { Files } from '../host/files.js';
import type { Processes } from '../host/processes.js';
import type { Step } from '../verify/types.js';
import type { RuntimeVerifyContext, VerifyFacts } from '../verify/runtime-context.js';

// The runtime port (docs/architecture.md). A runtime is a plug-in: it finds its running
// daemon(s) on the node as sessions; a session reads what its planner needs (snapshot), plans
// purely (plan/unplan → file actions + activation), activates (reload/restart or nothing), and
// confirms — the one definition of "the runtime took it", used by apply, verify and doctor alike.

/** What every runtime may use of the host. Paths given to `files` are host paths (already under --root). */
export interface HostPorts {
  root: string;
  files: Files;
  processes: Processes;
  clock: Clock;
  sleep: Sleep;
  env: NodeJS.ProcessEnv;
  /** --docker-host (else $DOCKER_HOST), when given. */
  dockerHost?: string;
  /** The user regsetup runs as (0 when not said): a user configures only their own rootless dockerd. */
  uid?: number;
  /** Where this run keeps its journal, backups and lock (core/state-dir.ts); /var/lib/regsetup when not said. */
  stateDir?: string;
  /** A Docker API client for a socket (DOCKER_HOST syntax); the real one when not said. */
  dockerApi?: (dockerHost: string | undefined) => DockerApi;
}

export interface PlanContext {
  journal: Journal;
  /** This registry's entry, when it is on record. */
  entry?: JournalEntry;
  now: number;
}

export interface DriftItem {
  /** e.g. "registry-mirrors entry https://x was removed from /etc/docker/daemon.json". */
  what: string;
  path?: string;
}

export interface ConfirmOptions {
  timeoutMs: number;
  pollMs?: number;
}

export interface RuntimeSession<Snapshot = unknown> {
  readonly id: string;
  readonly kind: RuntimeKind;
  /**
   * Every --runtime name that selects this session, when it is more than its kind: one session
   * for podman, buildah, skopeo and CRI-O, which share their files, answers to podman and crio.
   */
  readonly serves?: readonly RuntimeKind[];
  readonly label: string;
  /** false: configured on this host but its daemon is not running (leave and status still work). */
  readonly running: boolean;
  /**
   * true: a join that names this runtime (`--runtime k3s`) may configure it while it is stopped,
   * because it reads its files when it starts. `auto` still takes only the running ones.
   */
  readonly configurableStopped?: boolean;
  /**
   * The uid of the user whose daemon this is (a rootless dockerd's); undefined: the system's, root's.
   * A join configures only the sessions of the user regsetup runs as (HostPorts.uid).
   */
  readonly owner?: number;
  /** Everything plan/unplan/drift need, read before the first write. Registries: those the plan touches. */
  snapshot(registries: readonly string[], journal: Journal): Promise<Snapshot>;
  /** Pure. Refuses (RegsetupError, exit 4) before anything is written when it would break the runtime. */
  plan(snapshot: Snapshot, desired: ResolvedDesired, record: RuntimeRecord | undefined, ctx: PlanContext): RuntimePlan;
  /** Pure: undo exactly what the record says, keeping what was there before. */
  unplan(snapshot: Snapshot, record: RuntimeRecord, ctx: PlanContext): RuntimePlan;
  /** Pure: how the runtime's files moved away from the record. */
  drift(snapshot: Snapshot, record: RuntimeRecord, ctx: PlanContext): DriftItem[];
  /** Ask the runtime itself whether it would take the planned files (e.g. `dockerd --validate`), before anything is written. */
  check?(plan: RuntimePlan): Promise<void>;
  /** Reload or restart as the plan says (nothing for `none`). */
  activate(plan: RuntimePlan, log: (line: string) => void): Promise<void>;
  /** undefined when the runtime shows `plan.expect` (or, with `before`, `plan.expectBefore`); else what is wrong. */
  confirm(plan: RuntimePlan, which: 'after' | 'before', options: ConfirmOptions): Promise<string | undefined>;
  /** The verification steps that go through this runtime (pulls, pushes, effective config). */
  verifySteps(): Array<Step<RuntimeVerifyContext>>;
  /** What the suite's network steps need of this runtime, as it is now: where its CAs are, which registries it treats as insecure. */
  verifyFacts?(): Promise<VerifyFacts>;
  /** Where credentials for this runtime go: shown to the user and used by join/leave. */
  readonly credentials: 'docker-config' | 'containers-auth' | 'kubelet-credential-provider' | 'k3s-registries' | 'none';
}

export interface Runtime {
  kind: RuntimeKind;
  /** Other kinds whose journal records and --runtime names this runtime serves (see RuntimeSession.serves). */
  serves?: readonly RuntimeKind[];
  /** The running daemons of this kind (several: rootful and rootless Docker side by side). */
  detect(host: HostPorts): Promise<RuntimeSession[]>;
  /**
   * A session for a record in the journal whose daemon is not found now: enough to read,
   * unplan and report drift (activation `none`). undefined when the record cannot be served.
   */
  offline?(host: HostPorts, id: string, record: RuntimeRecord): Promise<RuntimeSession | undefined>;
}
