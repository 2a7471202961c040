import { dirname } from 'node:path';
import { refused } from '../core/errors.js';
import { journalPath } from '../core/journal.js';
import { isEmptyPlan, type Plan } from '../core/plan-types.js';
import { sleep as realSleep, type Clock, type Sleep } from '../host/clock.js';
import type { DockerApi } from '../host/docker-api.js';
import type { Files } from '../host/files.js';
import { rooted } from '../host/host-path.js';
import { backUp, backupDir } from './backup.js';
import { writeJournal } from './journal-write.js';
import { rollBack } from './rollback.js';
import { confirmDaemon, expectedFrom } from './settle.js';

export interface ApplyPorts {
  /** Host paths; apply puts them under opts.root itself. */
  files: Files;
  // `docker info` answering with the new settings is both the health check and the proof.
  docker: Pick<DockerApi, 'info'>;
  reload: () => Promise<void>;
  restart?: () => Promise<void>;
  clock: Clock;
  sleep?: Sleep;
  log: (line: string) => void;
}

export interface ApplyOptions {
  /** A host path, e.g. /var/lib/regsetup. */
  stateDir: string;
  root?: string;
  settleTimeoutMs: number;
  pollMs?: number;
}

export type FileChange = 'created' | 'modified' | 'unchanged' | 'removed';

export interface ApplyReport {
  changes: Array<{ path: string; change: FileChange }>;
  daemon: 'reloaded' | 'restarted' | 'unchanged';
}

const unchangedReport = (plan: Plan): ApplyReport => ({
  changes: plan.unchanged.map((path) => ({ path, change: 'unchanged' })),
  daemon: 'unchanged',
});

/**
 * Run a plan: under the lock, back up and record intent in the journal, write atomically,
 * tell dockerd, and confirm in `docker info` that it took. Any failure after the first
 * write puts every byte back and ends in ERR_APPLY_ROLLED_BACK (exit 5).
 */
export async function applyPlan(plan: Plan, ports: ApplyPorts, opts: ApplyOptions): Promise<ApplyReport> {
  // "Already up to date" touches nothing: no lock file, no journal, no signal.
  if (isEmptyPlan(plan)) return unchangedReport(plan);
  const signal = plan.daemon === 'restart' ? ports.restart : plan.daemon === 'reload' ? ports.reload : undefined;
  if (plan.daemon === 'restart' && signal === undefined) {
    throw refused('ERR_NO_RESTART', 'The plan needs a dockerd restart, but regsetup does not know how to restart it here', 'Use --restart never and restart dockerd yourself.');
  }
  const files = rooted(ports.files, opts.root);
  const stateDir = opts.stateDir.replace(/\/+$/, '');
  await files.mkdirp(stateDir, 0o700);
  return files.withLock(`${stateDir}/lock`, () => applyLocked(plan, { ...ports, files, sleep: ports.sleep ?? realSleep }, stateDir, opts, signal));
}

async function applyLocked(
  plan: Plan,
  ports: ApplyPorts & { sleep: Sleep },
  stateDir: string,
  opts: ApplyOptions,
  signal: (() => Promise<void>) | undefined,
): Promise<ApplyReport> {
  const { files, log } = ports;
  await refuseIfStale(files, plan);

  const journalFile = journalPath(stateDir);
  const dir = await backupDir(files, stateDir, ports.clock.now());
  const originals = await backUp(files, dir, [...new Set(plan.actions.map((a) => a.path))]);
  const journalBefore = await files.readText(journalFile);
  log(`backed up ${originals.filter((o) => o.text !== undefined).length} file(s) to ${dir}`);

  const settle = { clock: ports.clock, sleep: ports.sleep, timeoutMs: opts.settleTimeoutMs, pollMs: opts.pollMs };
  const daemonAction = plan.actions.find((a) => a.path === plan.daemonJsonPath && a.kind === 'write-file');
  let signalled = false;
  try {
    // A join's record goes first: a run killed half-way still tells `status` and `leave` what it
    // meant to do. A leave's "forget" goes last: killed half-way, the record still names what is left.
    const forgetting = plan.journal?.op === 'forget';
    if (!forgetting) await writeJournal(files, journalFile, journalBefore, plan, originals);
    for (const action of plan.actions) {
      if (action.kind === 'write-file') {
        await files.mkdirp(dirname(action.path), 0o755);
        await files.writeAtomic(action.path, action.after, { mode: action.mode });
      } else {
        await files.remove(action.path);
        // certs.d/<host>/ holds nothing else once our CA is gone: leave no empty directory behind.
        if ((await files.readdir(dirname(action.path))).length === 0) await files.remove(dirname(action.path), { recursive: true });
      }
      log(`${action.kind === 'remove-file' ? 'removed' : 'wrote'} ${action.path}: ${action.reason}`);
    }
    if (signal !== undefined && daemonAction?.kind === 'write-file') {
      signalled = true;
      await signal();
      log(`${plan.daemon === 'restart' ? 'restarted' : 'reloaded'} dockerd; waiting for it to show the new settings`);
      const problem = await confirmDaemon(ports.docker, expectedFrom(daemonAction.before, daemonAction.after), settle);
      if (problem !== undefined) throw new Error(`dockerd did not take the new ${plan.daemonJsonPath}: ${problem}`);
    }
    if (forgetting) await writeJournal(files, journalFile, journalBefore, plan, originals);
  } catch (error) {
    await rollBack({ files, log, originals, journalFile, journalBefore, signal: signalled ? signal : undefined, ports, settle, dir, plan, cause: error });
  }

  const cleaned = await cleanUp(files, plan, log);
  return {
    changes: [
      ...plan.actions.map((a) => ({ path: a.path, change: (cleaned.has(a.path) || a.kind === 'remove-file' ? 'removed' : a.before === undefined ? 'created' : 'modified') as FileChange })),
      ...unchangedReport(plan).changes,
    ],
    daemon: signal === undefined ? 'unchanged' : plan.daemon === 'restart' ? 'restarted' : 'reloaded',
  };
}

/** After dockerd confirmed the emptied file, a file join created goes too, unless someone wrote to it meanwhile. */
async function cleanUp(files: Files, plan: Plan, log: (line: string) => void): Promise<Set<string>> {
  const removed = new Set<string>();
  for (const { path, ifContent, reason } of plan.cleanup ?? []) {
    if ((await files.readText(path)) !== ifContent) continue;
    await files.remove(path);
    removed.add(path);
    log(`removed ${path}: ${reason}`);
  }
  return removed;
}

/** Another run may have changed a file since the snapshot: writing now would lose its change. */
async function refuseIfStale(files: Files, plan: Plan): Promise<void> {
  for (const action of plan.actions) {
    if ((await files.readText(action.path)) !== action.before) {
      throw refused('ERR_PLAN_STALE', `${action.path} changed after regsetup read it; nothing was written`, 'Run the command again.');
    }
  }
}
