import { isRegsetupError } from '../core/errors.js';
import { describeDockerd, type DockerdProcess } from './dockerd-describe.js';
import { flagValue, parseEnviron, statusIds } from './dockerd-facts.js';
import { procReader } from './dockerd-proc.js';
import type { Files } from './files.js';
import { resolveHostPath } from './host-path.js';
import { belowProcRoot } from './mount-ns.js';
import { processComms } from './proc.js';

export type { DockerdProcess } from './dockerd-describe.js';

const PIDFILES = ['/var/run/docker.pid', '/run/docker.pid'];

interface Input {
  files: Files;
  procRoot?: string;
  root?: string;
}

/**
 * Every dockerd regsetup may configure here: the system's (one: the one its pidfile names, as
 * dockerds of other mount namespaces are visible in /proc too), then one rootless dockerd per user.
 */
export async function findDockerds(input: Input): Promise<DockerdProcess[]> {
  const { files, procRoot = '/proc', root } = input;
  const r = procReader(files, root, procRoot);
  const isDockerd = async (pid: number) => Number.isInteger(pid) && pid > 0 && (await r.proc(pid, 'comm'))?.trim() === 'dockerd';
  const ownPidfile = async (pid: number, fallback?: string) => {
    const argv = await r.argvOf(pid);
    const pidfile = flagValue(argv, '--pidfile') ?? flagValue(argv, '-p') ?? fallback;
    return pidfile !== undefined && Number((await r.read(pidfile))?.trim()) === pid;
  };
  // regsetup in a container (hostPID) has no /var/run/docker.pid of its own: the host's dockerd is
  // the one whose pidfile, as it sees it itself, names it. A fleet node's dockerd in a PID namespace
  // of its own writes another number there.
  const ownPidfileSeenByItself = async (pid: number) => {
    if (!(await r.otherMountNs(pid))) return false;
    const argv = await r.argvOf(pid);
    const pidfile = flagValue(argv, '--pidfile') ?? flagValue(argv, '-p') ?? PIDFILES[0]!;
    return Number((await r.procOf(pid, `root${belowProcRoot(pidfile)}`))?.trim()) === pid;
  };

  let system: number | undefined;
  for (const pidfile of PIDFILES) {
    const candidate = Number((await r.read(pidfile))?.trim());
    if (await isDockerd(candidate)) {
      system = r.picked = candidate;
      break;
    }
  }
  // No default pidfile (snap, rootless, a custom --pidfile): look at every process.
  const all = (await processComms(files, resolveHostPath(root, procRoot))).filter((p) => p.comm === 'dockerd' && p.pid !== system);
  const found: Array<{ pid: number; uid: number; rootless: boolean; env: Record<string, string> }> = [];
  for (const { pid } of all) {
    const env = parseEnviron(await r.procOf(pid, 'environ'));
    const uid = statusIds(await r.procOf(pid, 'status')).uid ?? 0;
    found.push({ pid, uid, env, rootless: uid !== 0 || env.ROOTLESSKIT_STATE_DIR !== undefined || (await r.argvOf(pid)).includes('--rootless') });
  }
  if (system === undefined) {
    // Several system daemons: prefer the one its own pidfile names.
    const rootful = found.filter((f) => !f.rootless);
    for (const f of rootful) if (system === undefined && (await ownPidfile(f.pid))) system = f.pid;
    for (const f of rootful) if (system === undefined && (await ownPidfileSeenByItself(f.pid))) system = f.pid;
    system ??= rootful[0]?.pid;
  }
  const rootless = new Map<number, number>();
  for (const f of found.filter((x) => x.rootless)) {
    // A user with two: the one $XDG_RUNTIME_DIR/docker.pid names, as dockerd writes it in rootless mode.
    const runtimeDir = f.env.XDG_RUNTIME_DIR ?? `/run/user/${f.uid}`;
    if (!rootless.has(f.uid) || (await ownPidfile(f.pid, `${runtimeDir}/docker.pid`))) rootless.set(f.uid, f.pid);
  }
  const out: DockerdProcess[] = [];
  if (system !== undefined) {
    r.picked = system;
    out.push(await describeDockerd(r, procRoot, system));
  }
  // A rootless daemon that exits meanwhile is simply not there any more.
  for (const pid of [...rootless.entries()].sort(([a], [b]) => a - b).map(([, p]) => p)) {
    const d = await describeDockerd(r, procRoot, pid).catch((error: unknown) => (isRegsetupError(error) && error.code === 'ERR_DOCKERD_GONE' ? undefined : Promise.reject(error)));
    if (d) out.push(d);
  }
  return out;
}

/** The system's dockerd, else the first rootless one (what doctor looks at). */
export async function findDockerd(input: Input): Promise<DockerdProcess | undefined> {
  return (await findDockerds(input))[0];
}
