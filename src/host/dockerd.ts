import { RegsetupError } from '../core/errors.js';
import { systemClock, sleep as realSleep, type Clock, type Sleep } from './clock.js';
import type { DockerApi } from './docker-api.js';
import type { DockerdProcess } from './dockerd-find.js';
import { onHost } from './mount-ns.js';
import type { Processes } from './processes.js';

export { conflicts, flagSources, type FlagSource } from './dockerd-flags.js';
export { findDockerd, findDockerds, type DockerdProcess } from './dockerd-find.js';

const gone = (pid: number, cause: unknown) =>
  new RegsetupError('ERR_DOCKERD_GONE', `dockerd (pid ${pid}) exited while regsetup signalled it`, {
    hint: 'Start it again (systemctl start docker; journalctl -u docker says why it stopped), then run regsetup again.',
    cause,
    exitCode: 4,
  });

/**
 * Ask dockerd to re-read daemon.json. A failed reload is only logged by dockerd, so
 * the caller must confirm the effect with `docker info` afterwards.
 */
export async function reloadDockerd(input: { dockerd: DockerdProcess; processes: Processes }): Promise<{ method: 'systemctl' | 'signal' }> {
  const { dockerd, processes } = input;
  if (dockerd.managedBy === 'systemd') {
    const [cmd, ...args] = onHost(['systemctl', 'reload', 'docker.service'], dockerd.viaNsenter);
    const result = await processes.run(cmd!, args, { timeoutMs: 30_000 });
    if (result.exitCode === 0) return { method: 'systemctl' };
    // A unit without ExecReload, or a systemd that is not answering: the signal is what ExecReload sends anyway.
  }
  // A rootless dockerd: its rootlesskit passes the signal on (the user unit's ExecReload does the same).
  const target = dockerd.signalPid;
  const what = target === dockerd.pid ? `dockerd (pid ${target})` : `rootlesskit (pid ${target}, the parent of dockerd ${dockerd.pid})`;
  try {
    processes.sendSignal(target, 'SIGHUP');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') throw gone(target, error);
    throw new RegsetupError('ERR_RELOAD', `Could not send SIGHUP to ${what}: ${code ?? String(error)}`, {
      hint: code === 'EPERM' ? `Run regsetup as ${dockerd.variant === 'rootless' ? `the user of this rootless dockerd (${dockerd.user ?? `uid ${dockerd.uid}`})` : 'root'}.` : 'Check that dockerd runs (systemctl status docker), then run again.',
      cause: error,
      exitCode: 4,
    });
  }
  return { method: 'signal' };
}

/** Poll ping until the daemon answers; returns the milliseconds it took. */
export async function waitHealthy(
  dockerApi: Pick<DockerApi, 'ping'>,
  timeoutMs: number,
  options: { clock?: Clock; sleep?: Sleep; intervalMs?: number } = {},
): Promise<number> {
  const { clock = systemClock, sleep = realSleep, intervalMs = 250 } = options;
  const start = clock.now();
  for (;;) {
    const remaining = start + timeoutMs - clock.now();
    try {
      await dockerApi.ping(Math.max(100, Math.min(2_000, remaining)));
      return clock.now() - start;
    } catch (error) {
      if (clock.now() + intervalMs >= start + timeoutMs) {
        throw new RegsetupError('ERR_DOCKER_NOT_READY', `The Docker daemon did not answer within ${Math.round(timeoutMs / 1000)} s: ${(error as Error).message}`, {
          hint: 'Look at the daemon log (journalctl -u docker, or its log file) for why it is not up.',
          cause: error,
          exitCode: 4,
        });
      }
    }
    await sleep(intervalMs);
  }
}

/** `dockerd --validate` exists from 23.0 (Debian 12 ships 20.10). */
export function hasValidateFlag(version: string): boolean {
  const major = Number(/^v?(\d+)\./.exec(version.trim())?.[1]);
  return Number.isInteger(major) && major >= 23;
}

/**
 * Validate a daemon.json with the installed dockerd. It sees only the flags given here,
 * not the unit's: flag/file conflicts need conflicts() instead.
 */
export async function validateConfig(processes: Processes, file: string, dockerdPath = 'dockerd'): Promise<{ supported: boolean; ok?: boolean; output?: string }> {
  const result = await processes.run(dockerdPath, ['--validate', '--config-file', file], { timeoutMs: 15_000 });
  const output = [result.stdout, result.stderr].filter(Boolean).join('\n').trim();
  if (result.exitCode === 127 || /unknown flag: --validate/.test(output)) return { supported: false, output };
  return { supported: true, ok: result.exitCode === 0, output };
}
