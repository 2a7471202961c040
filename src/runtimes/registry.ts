import type { RuntimeKind } from '../core/desired-state.js';
import { refused } from '../core/errors.js';
import type { JournalEntry } from '../core/journal.js';
import { containerdRuntime } from './containerd/index.js';
import { containersRuntime } from './containers/index.js';
import { dockerRuntime } from './docker/index.js';
import { k3sRuntime, rke2Runtime } from './k3s/index.js';
import { unusable, type DockerSession } from './docker/session.js';
import type { HostPorts, Runtime, RuntimeSession } from './types.js';
import { withProcessTable } from '../host/proc.js';

// The runtimes regsetup knows. Adding one adds a folder under runtimes/ and a line here.
export const RUNTIMES: readonly Runtime[] = [dockerRuntime, containerdRuntime, containersRuntime, k3sRuntime, rke2Runtime];

const answers = (r: Pick<Runtime, 'kind' | 'serves'>, kind: string): boolean => r.kind === kind || (r.serves ?? []).some((k) => k === kind);

const runtimeOf = (kind: string): Runtime | undefined => RUNTIMES.find((r) => answers(r, kind));

/** Whether `--runtime kind` (or a journal record of that kind) means this session. */
export const sessionAnswers = (session: Pick<RuntimeSession, 'kind' | 'serves'>, kind: string): boolean => answers(session, kind);

/** Every runtime session found on the node, running or only installed. */
export async function detectSessions(host: HostPorts, kinds: readonly string[] = RUNTIMES.map((r) => r.kind)): Promise<RuntimeSession[]> {
  // One read of the process table for all of them (host/proc.ts).
  const found = await withProcessTable(() => Promise.all(RUNTIMES.filter((r) => kinds.some((k) => answers(r, k))).map((r) => r.detect(host))));
  return found.flat();
}

/** Why a session cannot take a join by the user `uid`, or undefined when it can. named: the user asked for this runtime by name. */
export function whyNot(session: RuntimeSession, uid = 0, named = false): Error | undefined {
  if (session.kind === 'docker') return unusable(session as DockerSession);
  if ((session.owner ?? 0) !== uid) {
    return refused(
      'ERR_RUNTIME_NOT_YOURS',
      `${session.label} is ${session.owner === undefined ? "the system's" : `uid ${session.owner}'s`}: regsetup as uid ${uid} does not configure it`,
      session.owner === undefined ? 'Run regsetup as root to configure it.' : `Run regsetup as uid ${session.owner} to configure it.`,
    );
  }
  if (named && session.configurableStopped === true) return undefined;
  return session.running ? undefined : refused('ERR_RUNTIME_NOT_RUNNING', `${session.label} is not running`, `Start ${session.label} and run the command again; nothing was changed.`);
}

/**
 * The sessions a join configures: `auto` = every runtime running on the node that this user may
 * configure; named ones must all be there and running (or, for one that reads its files at start,
 * at least installed). Refuses (exit 4) when there is nothing to configure. Docker: root
 * configures the system's dockerd, never a user's rootless one (that user does, with their own
 * journal); a user configures only their own rootless dockerd (docs/architecture.md "Docker variants").
 */
export function selectSessions(sessions: readonly RuntimeSession[], choice: readonly string[], uid = 0): RuntimeSession[] {
  const whyNotFor = (s: RuntimeSession) => whyNot(s, uid);
  if (choice.includes('auto')) {
    const usable = sessions.filter((s) => whyNotFor(s) === undefined);
    if (usable.length > 0) return usable;
    const first = sessions.map(whyNotFor).find((e) => e !== undefined);
    if (first) throw first;
    throw refused('ERR_NO_RUNTIME', 'no container runtime runs on this host (looked for dockerd, containerd, podman, CRI-O, k3s, rke2)', 'Start the runtime first, or name it with --runtime.');
  }
  const picked: RuntimeSession[] = [];
  for (const kind of new Set(choice)) {
    const of = sessions.filter((s) => answers(s, kind));
    if (of.length === 0) throw refused('ERR_RUNTIME_NOT_FOUND', `--runtime ${kind}: no ${kind} was found on this host`, `Check that ${kind} is installed and running, or leave --runtime out to configure what runs here.`);
    const usable = of.filter((s) => whyNot(s, uid, true) === undefined);
    if (usable.length === 0) throw whyNot(of[0]!, uid, true)!;
    // `--runtime podman --runtime crio` names one session twice.
    picked.push(...usable.filter((s) => !picked.includes(s)));
  }
  return picked;
}

/**
 * A session for every runtime record of a registry: the running one when found, else one that
 * reads and writes its files without a daemon (leave and status work with the runtime stopped).
 */
export async function sessionsForEntry(host: HostPorts, detected: readonly RuntimeSession[], entry: JournalEntry, only?: readonly string[]): Promise<{ sessions: RuntimeSession[]; warnings: string[] }> {
  const sessions: RuntimeSession[] = [];
  const warnings: string[] = [];
  for (const [id, record] of Object.entries(entry.runtimes)) {
    const runtime = runtimeOf(record.kind);
    if (only !== undefined && !only.includes('auto') && !only.some((k) => (runtime ? answers(runtime, k) : k === record.kind))) continue;
    const live = detected.find((s) => s.id === id);
    if (live) {
      sessions.push(live);
      continue;
    }
    const offline = runtime?.offline ? await runtime.offline(host, id, record) : undefined;
    if (offline) sessions.push(offline);
    else warnings.push(`${entry.registry}: the journal names runtime ${id} (${record.kind}), which this regsetup cannot serve; its files are left as they are.`);
  }
  return { sessions, warnings };
}

export const isRuntimeKind = (kind: string): kind is RuntimeKind => RUNTIMES.some((r) => answers(r, kind));
