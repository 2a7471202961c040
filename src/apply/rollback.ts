import { runningLabel, settlingLabel } from '../core/activation-words.js';
import { ExitCode, RegsetupError } from '../core/errors.js';
import { during, type StartProgress } from '../core/progress.js';
import type { Activation, Plan } from '../core/plan-types.js';
import type { Files } from '../host/files.js';
import { restoreOne, type Original } from './backup.js';
import type { ActivationPort } from './activation-port.js';

// Undo a failed apply: every file this run changed put back as it was (and only those), the
// journal back, every runtime it activated told again and seen back on its old settings. Only
// then may we say "rolled back" (exit 5). A file that cannot be put back (full or read-only
// filesystem, immutable flag) does not stop the others; the journal then keeps this run's record,
// so `status` shows what is left over and `leave` can undo it.

export interface RollBack {
  files: Files;
  log: (line: string) => void;
  progress?: StartProgress;
  originals: Original[];
  /** The paths this run wrote or removed (a failure can come before the last one). */
  written: ReadonlySet<string>;
  /** Directories this run made for its files: they go again once empty. */
  createdDirs?: readonly string[];
  journalFile: string;
  journalBefore: string | undefined;
  plan: Plan;
  activated: ReadonlySet<string>;
  sessions: ReadonlyMap<string, ActivationPort>;
  dir: string;
  cause: unknown;
  timeout: (activation: Activation) => number;
  pollMs: number | undefined;
}

/** The file is as it was before this run: the same bytes (or still absent), mode and owner. */
async function unchanged(files: Files, original: Original): Promise<boolean> {
  const now = await files.readBytes(original.path).catch(() => null);
  if (now === null) return false;
  if (now === undefined || original.bytes === undefined) return now === original.bytes;
  if (!now.equals(original.bytes)) return false;
  const stat = await files.stat(original.path).catch(() => undefined);
  return original.stat === undefined || (stat !== undefined && stat.mode === original.stat.mode && stat.uid === original.stat.uid && stat.gid === original.stat.gid);
}

export async function rollBack(r: RollBack): Promise<never> {
  const what = (r.cause as Error).message;
  r.log(`apply failed (${what}); restoring the backups from ${r.dir}`);
  const failures: string[] = [];
  for (const original of [...r.originals].reverse()) {
    if (!r.written.has(original.path)) continue;
    try {
      // Only what this run changed: a write that failed left the file as it was (and putting
      // those bytes back could meet the same full disk or immutable flag).
      if (await unchanged(r.files, original)) continue;
      await restoreOne(r.files, original);
    } catch (error) {
      failures.push(`${original.path}: ${(error as Error).message}${original.backupPath ? ` (its original is in ${original.backupPath})` : ''}`);
    }
  }
  // Deepest first, each only when nothing is left in it (a file that could not go keeps its directory).
  for (const dir of [...(r.createdDirs ?? [])].sort((a, b) => b.split('/').length - a.split('/').length)) {
    try {
      if ((await r.files.readdir(dir)).length === 0) await r.files.remove(dir, { recursive: true });
    } catch (error) {
      failures.push(`${dir}: ${(error as Error).message}`);
    }
  }
  if (failures.length === 0) {
    try {
      if (r.journalBefore === undefined) await r.files.remove(r.journalFile);
      else await r.files.writeAtomic(r.journalFile, r.journalBefore, {});
    } catch (error) {
      failures.push(`${r.journalFile}: ${(error as Error).message}`);
    }
  }
  for (const plan of r.plan.runtimes.filter((p) => r.activated.has(p.runtime))) {
    const session = r.sessions.get(plan.runtime)!;
    try {
      // The runtime must be back on its old settings; with no file before, only its health can be checked.
      if (plan.activation !== 'none') await during(r.progress, runningLabel(session.label, plan.activation), () => session.activate(plan, r.log));
      else await session.activate(plan, r.log);
      const problem = await during(r.progress, settlingLabel(session.label, 'before'), () => session.confirm(plan, 'before', { timeoutMs: r.timeout(plan.activation), ...(r.pollMs ? { pollMs: r.pollMs } : {}) }));
      if (problem !== undefined) failures.push(`${session.label}: after restoring, ${problem}`);
    } catch (error) {
      failures.push(`${session.label}: ${(error as Error).message}`);
    }
  }
  if (failures.length > 0) {
    throw new RegsetupError('ERR_ROLLBACK_FAILED', `${what}; rolling back did not finish:\n  ${failures.join('\n  ')}`, {
      hint: `The original files are in ${r.dir}. Copy back the ones named, then check the runtime (\`docker info\`); \`regsetup status\` shows what is left over, and \`regsetup leave\` undoes it.`,
      cause: r.cause,
      exitCode: ExitCode.rolledBack,
    });
  }
  throw new RegsetupError('ERR_APPLY_ROLLED_BACK', `${what}. Every file was restored and the runtimes are back on their previous settings.`, {
    hint: 'Look at the runtime\'s log for why it refused the configuration (dockerd: "Error reloading configuration").',
    cause: r.cause,
    exitCode: ExitCode.rolledBack,
  });
}
