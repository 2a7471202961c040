import { ExitCode, RegsetupError } from '../core/errors.js';
import type { Plan } from '../core/plan-types.js';
import type { DockerApi } from '../host/docker-api.js';
import type { Files } from '../host/files.js';
import { restore, type Original } from './backup.js';
import { confirmDaemon, expectedFrom } from './settle.js';

// Undo a failed apply: every touched file and the journal back as they were, dockerd told
// again and seen back on its old settings. Only then may we say "rolled back" (exit 5).

export interface RollBack {
  files: Files;
  log: (line: string) => void;
  originals: Original[];
  journalFile: string;
  journalBefore: string | undefined;
  signal: (() => Promise<void>) | undefined;
  ports: { docker: Pick<DockerApi, 'info'> };
  settle: Parameters<typeof confirmDaemon>[2];
  dir: string;
  plan: Plan;
  cause: unknown;
}

export async function rollBack(r: RollBack): Promise<never> {
  const what = (r.cause as Error).message;
  r.log(`apply failed (${what}); restoring the backups from ${r.dir}`);
  try {
    await restore(r.files, r.originals);
    if (r.journalBefore === undefined) await r.files.remove(r.journalFile);
    else await r.files.writeAtomic(r.journalFile, r.journalBefore, {});
    if (r.signal !== undefined) {
      await r.signal();
      const daemonJson = r.originals.find((o) => o.path === r.plan.daemonJsonPath);
      // dockerd must be back on its old settings; with no file before, only its health can be checked.
      const problem = await confirmDaemon(r.ports.docker, daemonJson?.text === undefined ? { insecureHosts: [], insecureCidrs: [], secureAgain: [] } : expectedFrom(undefined, daemonJson.text), r.settle);
      if (problem !== undefined) throw new Error(`after restoring, ${problem}`);
    }
  } catch (error) {
    throw new RegsetupError('ERR_ROLLBACK_FAILED', `${what}; rolling back failed too: ${(error as Error).message}`, {
      hint: `The original files are in ${r.dir}. Copy them back by hand, then check dockerd (docker info).`,
      cause: error,
      exitCode: ExitCode.unexpected,
    });
  }
  throw new RegsetupError('ERR_APPLY_ROLLED_BACK', `${what}. Every file was restored and dockerd is back on its previous settings.`, {
    hint: 'Look at the dockerd log for why it refused the configuration (e.g. "Error reloading configuration").',
    cause: r.cause,
    exitCode: ExitCode.rolledBack,
  });
}
