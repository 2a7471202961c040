import { dirname } from 'node:path';
import { runningLabel, settlingLabel } from '../core/activation-words.js';
import { refused } from '../core/errors.js';
import { during, type StartProgress } from '../core/progress.js';
import { journalPath, parseJournal } from '../core/journal.js';
import { contentBytes, isEmptyPlan, planActions, type Activation, type Plan, type RuntimePlan } from '../core/plan-types.js';
import { sleep as realSleep, type Clock, type Sleep } from '../host/clock.js';
import type { Files } from '../host/files.js';
import { rooted } from '../host/host-path.js';
import type { ActivationPort } from './activation-port.js';
import { backUp, backupDir } from './backup.js';
import { writeJournal } from './journal-write.js';
import { rollBack } from './rollback.js';

export type { ActivationPort } from './activation-port.js';


export interface ApplyPorts {
  /** Host paths; apply puts them under opts.root itself. */
  files: Files;
  /** By RuntimePlan.runtime. */
  sessions: ReadonlyMap<string, ActivationPort>;
  clock: Clock;
  sleep?: Sleep;
  log: (line: string) => void;
  /** Shows a reload or restart and the wait until the runtime shows it (up to 90 s) on a terminal. */
  progress?: StartProgress;
}

export interface ApplyOptions {
  /** A host path, e.g. /var/lib/regsetup. */
  stateDir: string;
  root?: string;
  /** How long a runtime may take to show the change after a reload or restart. */
  settleTimeoutMs?: (activation: Activation) => number;
  pollMs?: number;
  /**
   * Plans again from what the host holds now, under the lock: a concurrent run that changed a
   * file since the first snapshot (another join, the agent) is then built upon, not refused.
   */
  replan?: () => Promise<Plan>;
}

export type FileChange = 'created' | 'modified' | 'unchanged' | 'removed';

export interface ApplyReport {
  /** The plan that was applied (the re-plan made under the lock, when there was one). */
  plan: Plan;
  changes: Array<{ path: string; change: FileChange; runtime: string }>;
  runtimes: Array<{ runtime: string; label: string; activation: Activation; activated: boolean }>;
}

/** A SIGHUP reload shows within milliseconds or never (a refused reload is only logged); a restart stops every container first. */
export const settleTimeoutMs = (activation: Activation): number => (activation === 'restart' ? 90_000 : 10_000);

// A file changed under the lock by something that is not regsetup: plan again, a few times, then give up.
const STALE_RETRIES = 3;

const report = (plan: Plan, activated: Set<string>, removed: Set<string> = new Set()): ApplyReport => ({
  plan,
  changes: plan.runtimes.flatMap((r) => [
    ...r.actions.map((a) => ({
      path: a.path,
      runtime: r.runtime,
      change: (removed.has(a.path) || a.kind === 'remove-file' ? 'removed' : a.before === undefined ? 'created' : 'modified') as FileChange,
    })),
    ...r.unchanged.map((path) => ({ path, runtime: r.runtime, change: 'unchanged' as FileChange })),
  ]),
  runtimes: plan.runtimes.map((r) => ({ runtime: r.runtime, label: r.label, activation: r.activation, activated: activated.has(r.runtime) })),
});

/**
 * Run a plan: under the lock, (re-plan,) back up and record intent in the journal, write
 * atomically, activate each runtime and confirm it took. Any failure after the first write
 * puts every byte back, tells the runtimes again, and ends in ERR_APPLY_ROLLED_BACK (exit 5).
 */
export async function applyPlan(plan: Plan, ports: ApplyPorts, opts: ApplyOptions): Promise<ApplyReport> {
  // "Already up to date" touches nothing: no lock file, no journal, no signal.
  if (isEmptyPlan(plan) && opts.replan === undefined) return report(plan, new Set());
  const files = rooted(ports.files, opts.root);
  const stateDir = opts.stateDir.replace(/\/+$/, '');
  await files.mkdirp(stateDir, 0o700);
  return files.withLock(`${stateDir}/lock`, async () => {
    let current = plan;
    for (let attempt = 0; ; attempt++) {
      if (opts.replan) current = await opts.replan();
      if (isEmptyPlan(current)) return report(current, new Set());
      const stale = await staleFile(files, current);
      if (stale === undefined) break;
      if (opts.replan === undefined || attempt >= STALE_RETRIES) {
        throw refused('ERR_PLAN_STALE', `${stale} changed after regsetup read it; nothing was written`, 'Something other than regsetup keeps changing it: find what, then run the command again.');
      }
    }
    return applyLocked(current, { ...ports, files, sleep: ports.sleep ?? realSleep }, stateDir, opts);
  });
}

async function applyLocked(plan: Plan, ports: ApplyPorts & { sleep: Sleep }, stateDir: string, opts: ApplyOptions): Promise<ApplyReport> {
  const { files, log } = ports;
  const actions = planActions(plan);
  const journalFile = journalPath(stateDir);
  // Before the first write: a path the files port would refuse (a link, an immutable file, a
  // read-only mount) is a refusal with nothing changed, not a failure half-way through.
  for (const action of actions) await files.checkWritable(action.path);
  // Only a run that writes host files keeps a backup directory.
  const dir = actions.length === 0 ? '(no backup: no host file changes)' : await backupDir(files, stateDir, ports.clock.now());
  const originals = actions.length === 0 ? [] : await backUp(files, dir, [...new Set(actions.map((a) => a.path))]);
  const journalBefore = await files.readText(journalFile);
  if (actions.length > 0) log(`backed up ${originals.filter((o) => o.bytes !== undefined).length} file(s) to ${dir}`);

  const activated = new Set<string>();
  const written = new Set<string>();
  let cleaned = new Set<string>();
  const timeout = opts.settleTimeoutMs ?? settleTimeoutMs;
  const created = await missingDirs(files, actions);
  try {
    // A join's record goes first: a run killed half-way still tells `status` and `leave` what it
    // meant to do. A leave's "forget" goes last: killed half-way, the record still names what is left.
    const forgetting = plan.operation === 'leave';
    if (!forgetting) await writeJournal(files, journalFile, journalBefore, plan, originals, { created });
    for (const action of actions) {
      written.add(action.path);
      if (action.kind === 'write-file') {
        await files.mkdirp(dirname(action.path), 0o755);
        await files.writeAtomic(action.path, contentBytes(action.after, action.encoding), { mode: action.mode });
      } else {
        await files.remove(action.path);
        // A directory that held nothing but our file (certs.d/<host>/): leave no empty directory behind.
        if ((await files.readdir(dirname(action.path))).length === 0) await files.remove(dirname(action.path), { recursive: true });
      }
      log(`${action.kind === 'remove-file' ? 'removed' : 'wrote'} ${action.path}: ${action.reason}`);
    }
    for (const r of plan.runtimes) await activateAndConfirm(r, ports, activated, { timeoutMs: timeout(r.activation), ...(opts.pollMs ? { pollMs: opts.pollMs } : {}) });
    // Files a join created go once the runtime showed them emptied; then the directories left empty.
    cleaned = await cleanUp(files, plan, log);
    if (forgetting) {
      const removed = await pruneCreatedDirs(files, journalBefore, journalFile, log);
      await writeJournal(files, journalFile, journalBefore, plan, originals, { created, removed });
    }
  } catch (error) {
    await rollBack({ files, log, progress: ports.progress, originals, written, createdDirs: created, journalFile, journalBefore, plan, activated, sessions: ports.sessions, dir, cause: error, timeout, pollMs: opts.pollMs });
  }
  return report(plan, activated, cleaned);
}

async function activateAndConfirm(r: RuntimePlan, ports: ApplyPorts, activated: Set<string>, options: { timeoutMs: number; pollMs?: number }): Promise<void> {
  if (r.activation === 'none' || r.actions.length === 0) return;
  const session = ports.sessions.get(r.runtime);
  if (session === undefined) throw new Error(`no session for runtime ${r.runtime}`);
  activated.add(r.runtime);
  await during(ports.progress, runningLabel(session.label, r.activation), () => session.activate(r, ports.log));
  const problem = await during(ports.progress, settlingLabel(session.label, 'after'), () => session.confirm(r, 'after', options));
  if (problem !== undefined) throw new Error(`${session.label} did not take the new configuration: ${problem}`);
}

/** The directories the writes will create (the nearest existing ancestor of each stays as it is). */
async function missingDirs(files: Files, actions: ReturnType<typeof planActions>): Promise<string[]> {
  const missing = new Set<string>();
  for (const a of actions) {
    if (a.kind !== 'write-file') continue;
    for (let dir = dirname(a.path); dir !== '/' && dir !== '.' && !(await files.exists(dir)); dir = dirname(dir)) missing.add(dir);
  }
  return [...missing];
}

/** Directories regsetup created that nothing is left in: deepest first, each only when empty. */
async function pruneCreatedDirs(files: Files, journalText: string | undefined, journalFile: string, log: (line: string) => void): Promise<string[]> {
  const dirs = [...(parseJournal(journalText, journalFile).createdDirs ?? [])].sort((a, b) => b.split('/').length - a.split('/').length);
  const removed: string[] = [];
  for (const dir of dirs) {
    if (!(await files.exists(dir))) {
      removed.push(dir);
      continue;
    }
    if ((await files.readdir(dir)).length > 0) continue;
    await files.remove(dir, { recursive: true });
    removed.push(dir);
    log(`removed ${dir}: regsetup created it and nothing is left in it`);
  }
  return removed;
}

/**
 * After the runtime confirmed the emptied file, a file join created goes too (or loses the lists a
 * join added), unless someone wrote to it meanwhile. Returns the paths removed.
 */
async function cleanUp(files: Files, plan: Plan, log: (line: string) => void): Promise<Set<string>> {
  const removed = new Set<string>();
  for (const { path, ifContent, after, encoding, reason } of plan.runtimes.flatMap((r) => r.cleanup ?? [])) {
    if ((await readAs(files, path, encoding)) !== ifContent) continue;
    if (after !== undefined) {
      await files.writeAtomic(path, contentBytes(after, encoding));
      log(`rewrote ${path}: ${reason}`);
      continue;
    }
    await files.remove(path);
    removed.add(path);
    log(`removed ${path}: ${reason}`);
  }
  return removed;
}

/** A file that changed since the snapshot (writing now would lose that change), if any. */
async function staleFile(files: Files, plan: Plan): Promise<string | undefined> {
  for (const action of planActions(plan)) {
    if ((await readAs(files, action.path, action.encoding)) !== action.before) return action.path;
  }
  return undefined;
}

/** A file as the plan holds it: UTF-8 text, or one char per byte for a byte view. */
const readAs = async (files: Files, path: string, encoding: 'latin1' | undefined): Promise<string | undefined> =>
  (await files.readBytes(path))?.toString(encoding ?? 'utf8');
