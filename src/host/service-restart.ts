import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { refused } from '../core/errors.js';
import { sleep as realSleep, systemClock, type Clock, type Sleep } from './clock.js';
import type { Processes } from './processes.js';

// Restarting a daemon the way its service manager would. Under systemd, `systemctl restart` of its
// unit (found from /proc/<pid>/cgroup). Without one (containers, this lab), as a unit would: stop
// it with SIGTERM, wait for it to exit, and start the same argv again — same executable, arguments,
// environment, working directory and log files — in a session of its own. Never SIGHUP: containerd
// dies of it (docs/host-behaviour.md).

export interface RestartPorts {
  processes: Processes;
  clock?: Clock;
  sleep?: Sleep;
  /** /proc, or a tree under --root for tests. */
  proc?: string;
}

export interface ServiceOf {
  /** The systemd unit when systemd runs it. */
  unit?: string;
  how: 'systemd' | 'process';
}

/** How the daemon with this pid is run: under systemd (its unit) or as a plain process. */
export function serviceOf(pid: number, proc = '/proc', systemdDir = '/run/systemd/system'): ServiceOf {
  const cgroup = readText(`${proc}/${pid}/cgroup`) ?? '';
  const unit = /\/([^/\n]+\.service)\b/.exec(cgroup)?.[1];
  if (existsSync(systemdDir) && unit !== undefined) return { how: 'systemd', unit };
  return { how: 'process' };
}

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

const alive = (proc: string, pid: number): boolean => {
  const stat = readText(`${proc}/${pid}/stat`);
  return stat !== undefined && stat.split(') ')[1]?.[0] !== 'Z';
};

/** Restart the process `pid`; resolves with the new pid (undefined under systemd, which tracks it). */
export async function restartProcess(pid: number, ports: RestartPorts, options: { timeoutMs?: number; service?: ServiceOf } = {}): Promise<number | undefined> {
  const proc = ports.proc ?? '/proc';
  const service = options.service ?? serviceOf(pid, proc);
  if (service.how === 'systemd') {
    const r = await ports.processes.run('systemctl', ['restart', service.unit!], { timeoutMs: options.timeoutMs ?? 120_000 });
    if (r.exitCode !== 0) throw refused('ERR_RESTART_FAILED', `systemctl restart ${service.unit} failed: ${r.stderr || r.stdout}`, `Look at \`journalctl -u ${service.unit}\`.`);
    return undefined;
  }
  const argv = (readText(`${proc}/${pid}/cmdline`) ?? '').split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
  if (argv.length === 0) throw refused('ERR_RESTART_FAILED', `process ${pid} is gone; nothing to restart`, 'Start it yourself.');
  const exe = readlinkSafe(`${proc}/${pid}/exe`) ?? argv[0]!;
  const cwd = readlinkSafe(`${proc}/${pid}/cwd`) ?? '/';
  const env = Object.fromEntries((readText(`${proc}/${pid}/environ`) ?? '').split('\0').filter((e) => e.includes('=')).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  const out = logTarget(readlinkSafe(`${proc}/${pid}/fd/1`));
  const err = logTarget(readlinkSafe(`${proc}/${pid}/fd/2`));
  const clock = ports.clock ?? systemClock;
  const sleep = ports.sleep ?? realSleep;
  ports.processes.sendSignal(pid, 'SIGTERM');
  const deadline = clock.now() + (options.timeoutMs ?? 30_000);
  while (alive(proc, pid)) {
    if (clock.now() > deadline) throw refused('ERR_RESTART_FAILED', `process ${pid} did not stop within ${Math.round((options.timeoutMs ?? 30_000) / 1000)} s of SIGTERM`, 'Stop it yourself and start it again.');
    await sleep(50);
  }
  const fds = [out, err].map((t) => openSync(t, 'a'));
  try {
    const child = spawn(exe.replace(/ \(deleted\)$/, ''), argv.slice(1), { argv0: argv[0], cwd, env, detached: true, stdio: ['ignore', fds[0]!, fds[1]!] });
    child.unref();
    if (child.pid === undefined) throw refused('ERR_RESTART_FAILED', `could not start ${exe} again`, 'Start it yourself with the same arguments.');
    return child.pid;
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

function readlinkSafe(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** A log file the daemon wrote to, else /dev/null (a pipe or a terminal cannot be reopened). */
const logTarget = (target: string | undefined): string => (target !== undefined && target.startsWith('/') && !target.startsWith('/dev/pts') && !/ \(deleted\)$/.test(target) ? target : '/dev/null');
