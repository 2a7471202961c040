import { isRegsetupError, RegsetupError } from '../core/errors.js';
import { systemClock, sleep as realSleep, type Clock, type Sleep } from './clock.js';
import type { DockerApi } from './docker-api.js';
import { parseDockerdArgs } from './dockerd-args.js';
import type { Files } from './files.js';
import { resolveHostPath } from './host-path.js';
import type { Processes } from './processes.js';

export { conflicts, flagSources, type FlagSource } from './dockerd-flags.js';

/** The running dockerd, as /proc shows it. */
export interface DockerdProcess {
  pid: number;
  /** /proc/<pid>/cmdline, argv[0] included. */
  argv: string[];
  /** The daemon.json this daemon reads (its --config-file wins over the defaults). */
  configFile: string;
  /** Who can reload or restart it: systemctl, the init script, or only we (signals). */
  managedBy: 'systemd' | 'sysv' | 'none';
  rootless: boolean;
}

const PIDFILES = ['/var/run/docker.pid', '/run/docker.pid'];
const SSD_PIDFILE = '/var/run/docker-ssd.pid';

const gone = (pid: number, cause: unknown) =>
  new RegsetupError('ERR_DOCKERD_GONE', `dockerd (pid ${pid}) exited while regsetup read /proc/${pid}`, {
    hint: 'Start it again (systemctl start docker; journalctl -u docker says why it stopped), then run regsetup again. Nothing was changed.',
    cause,
    exitCode: 4,
  });

export async function findDockerd(input: { files: Files; procRoot?: string; root?: string }): Promise<DockerdProcess | undefined> {
  const { files, procRoot = '/proc', root } = input;
  const read = (path: string) => files.readText(resolveHostPath(root, path));
  // A process may exit between readdir and read (ESRCH, or ENOENT: undefined); another user's
  // environ is not ours to read (EACCES): both mean "nothing to learn here".
  const procOf = async (pid: number, name: string) => {
    try {
      return await read(`${procRoot}/${pid}/${name}`);
    } catch (error) {
      if (isRegsetupError(error) && ['ERR_PROCESS_GONE', 'ERR_PERMISSION'].includes(error.code)) return undefined;
      throw error;
    }
  };
  const picked: { pid?: number } = {};
  // Once the daemon is chosen, it vanishing is worth saying: its files are what we were about to read.
  const proc = async (pid: number, name: string) => {
    const text = await procOf(pid, name);
    if (text === undefined && pid === picked.pid && name !== 'environ' && !(await files.exists(resolveHostPath(root, `${procRoot}/${pid}`)))) throw gone(pid, undefined);
    return text;
  };
  const isDockerd = async (pid: number) => Number.isInteger(pid) && pid > 0 && (await proc(pid, 'comm'))?.trim() === 'dockerd';
  const argvOf = async (pid: number) => ((await proc(pid, 'cmdline')) ?? '').split('\0').filter((arg, i, all) => arg !== '' || i < all.length - 1);
  const flagValue = (argv: string[], name: string) => parseDockerdArgs(argv.slice(1)).findLast((f) => f.flag === name)?.value;

  let pid: number | undefined;
  for (const pidfile of PIDFILES) {
    const candidate = Number((await read(pidfile))?.trim());
    if (await isDockerd(candidate)) {
      pid = candidate;
      break;
    }
  }
  if (pid === undefined) {
    // No default pidfile (snap, rootless, a custom --pidfile): look at every process.
    const all = (await files.readdir(resolveHostPath(root, procRoot))).map(Number).filter((n) => Number.isInteger(n) && n > 0);
    const found: number[] = [];
    for (const candidate of all.sort((a, b) => a - b)) if (await isDockerd(candidate)) found.push(candidate);
    // Several daemons (rootful and rootless side by side): prefer the one its own pidfile names.
    for (const candidate of found) {
      const pidfile = flagValue(await argvOf(candidate), '--pidfile') ?? flagValue(await argvOf(candidate), '-p');
      if (pidfile !== undefined && Number((await read(pidfile))?.trim()) === candidate) pid = candidate;
      if (pid !== undefined) break;
    }
    pid ??= found[0];
  }
  if (pid === undefined) return undefined;
  picked.pid = pid;

  const argv = await argvOf(pid);
  const environ = parseEnviron(await proc(pid, 'environ'));
  const rootless = argv.includes('--rootless') || environ.ROOTLESSKIT_STATE_DIR !== undefined;
  const configured = flagValue(argv, '--config-file');
  const configFile = configured ?? (rootless ? `${await rootlessConfigHome(environ, read, await proc(pid, 'status'))}/docker/daemon.json` : '/etc/docker/daemon.json');

  let managedBy: DockerdProcess['managedBy'] = 'none';
  const cgroup = (await proc(pid, 'cgroup')) ?? '';
  // A rootless daemon's user unit is also docker.service, but `systemctl reload docker` would hit the system one.
  if (!rootless && (await files.exists(resolveHostPath(root, '/run/systemd/system'))) && /\/docker\.service\b/.test(cgroup)) {
    managedBy = 'systemd';
  } else if ((await files.exists(resolveHostPath(root, '/etc/init.d/docker'))) && Number((await read(SSD_PIDFILE))?.trim()) === pid) {
    // The init script's start-stop-daemon records what it started here; a dockerd started by hand is not in it.
    managedBy = 'sysv';
  }
  return { pid, argv, configFile, managedBy, rootless };
}

function parseEnviron(text: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of (text ?? '').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** $XDG_CONFIG_HOME, else $HOME/.config; HOME from /etc/passwd when the environ is unreadable. */
async function rootlessConfigHome(env: Record<string, string>, read: (path: string) => Promise<string | undefined>, status: string | undefined): Promise<string> {
  if (env.XDG_CONFIG_HOME) return env.XDG_CONFIG_HOME;
  if (env.HOME) return `${env.HOME}/.config`;
  const uid = /^Uid:\s*(\d+)/m.exec(status ?? '')?.[1];
  const home = ((await read('/etc/passwd')) ?? '').split('\n').map((line) => line.split(':')).find((f) => f[2] === uid)?.[5];
  return `${home ?? '/root'}/.config`;
}

/**
 * Ask dockerd to re-read daemon.json. A failed reload is only logged by dockerd, so
 * the caller must confirm the effect with `docker info` afterwards.
 */
export async function reloadDockerd(input: { dockerd: DockerdProcess; processes: Processes }): Promise<{ method: 'systemctl' | 'signal' }> {
  const { dockerd, processes } = input;
  if (dockerd.managedBy === 'systemd') {
    const result = await processes.run('systemctl', ['reload', 'docker.service'], { timeoutMs: 30_000 });
    if (result.exitCode === 0) return { method: 'systemctl' };
    // A unit without ExecReload, or a systemd that is not answering: the signal is what ExecReload sends anyway.
  }
  try {
    processes.sendSignal(dockerd.pid, 'SIGHUP');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') throw gone(dockerd.pid, error);
    throw new RegsetupError('ERR_RELOAD', `Could not send SIGHUP to dockerd (pid ${dockerd.pid}): ${code ?? String(error)}`, {
      hint: code === 'EPERM' ? 'Run regsetup as root (or as the user running a rootless dockerd).' : 'Check that dockerd runs (systemctl status docker), then run again.',
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
