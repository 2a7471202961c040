import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { refused } from '../core/errors.js';
import { sleep as realSleep, systemClock, type Clock, type Sleep } from './clock.js';
import { onHost, seenBy } from './mount-ns.js';
import type { Processes } from './processes.js';
import { argvOf } from './proc.js';

// Restarting a daemon the way its service manager would. Under systemd, `systemctl restart` of its
// unit (found from /proc/<pid>/cgroup). Without one (containers, this lab), as a unit would: stop
// it with SIGTERM, wait for it to exit, and start the same argv again — same executable, arguments,
// environment, working directory and log files — in a session of its own. Never SIGHUP: containerd
// dies of it (docs/host-behaviour.md).
//
// regsetup in a container with hostPID (the DaemonSet) sees the daemon in another mount namespace.
// Its systemd is the host's: found through the daemon's own root, told through nsenter into PID 1's
// namespaces. Without systemd there is no one to start it again: a process started from here would
// live in the container's mount namespace and cgroup (and die with it), so regsetup does not
// restart it at all ('unreachable'; the plan refuses before any change).

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
  how: 'systemd' | 'process' | 'unreachable';
  /** The daemon is in another mount namespace (regsetup in a container): systemctl runs through nsenter. */
  viaNsenter?: boolean;
}

const SYSTEMD_BOOTED = '/run/systemd/system';

/** How the daemon with this pid is run: under systemd (its unit), as a plain process, or out of reach (from a container, without systemd). */
export function serviceOf(pid: number, proc = '/proc', systemdDir = SYSTEMD_BOOTED): ServiceOf {
  const cgroup = readText(`${proc}/${pid}/cgroup`) ?? '';
  // cgroup v2 with a cgroup namespace of our own shows the host's path as 0::/../../system.slice/x.service.
  const unit = /\/([^/\n]+\.service)\b/.exec(cgroup)?.[1];
  const other = otherMountNsSync(proc, pid);
  if (existsSync(other ? seenBy(proc, pid, true, SYSTEMD_BOOTED) : systemdDir) && unit !== undefined) return { how: 'systemd', unit, ...(other ? { viaNsenter: true } : {}) };
  return { how: other ? 'unreachable' : 'process' };
}

const nsOf = (path: string): string | undefined => readlinkSafe(path);
const otherMountNsSync = (proc: string, pid: number): boolean => {
  const mine = nsOf(`${proc}/self/ns/mnt`);
  const theirs = nsOf(`${proc}/${pid}/ns/mnt`);
  return mine !== undefined && theirs !== undefined && mine !== theirs;
};

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
    const [cmd, ...args] = onHost(['systemctl', 'restart', service.unit!], service.viaNsenter);
    const r = await ports.processes.run(cmd!, args, { timeoutMs: options.timeoutMs ?? 120_000 });
    if (r.exitCode !== 0) {
      const hint = service.viaNsenter && r.exitCode === 127 ? 'The image needs nsenter, and the container hostPID with CAP_SYS_ADMIN, CAP_SYS_CHROOT and CAP_SYS_PTRACE (deploy/kubernetes/daemonset.yaml).' : `Look at \`journalctl -u ${service.unit}\`.`;
      throw refused('ERR_RESTART_FAILED', `${[cmd, ...args].join(' ')} failed: ${r.stderr || r.stdout}`, hint);
    }
    return undefined;
  }
  if (service.how === 'unreachable') {
    throw refused('ERR_RESTART_FAILED', `process ${pid} runs in another mount namespace and no systemd runs it: regsetup cannot start it again from here`, 'Restart it on the host yourself, or run regsetup on the host.');
  }
  const argv = argvOf(readText(`${proc}/${pid}/cmdline`));
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
