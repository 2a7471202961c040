import { DEFAULT_SOCKET, flagValue, parseEnviron, passwdEntry, rootlessConfigHome, ROOTLESSKIT_COMMS, snapOf, socketOf, statusIds } from './dockerd-facts.js';
import { dockerdGone, type ProcReader } from './dockerd-proc.js';
import { seenBy } from './mount-ns.js';

/** A running dockerd, as /proc shows it. */
export interface DockerdProcess {
  pid: number;
  /** /proc/<pid>/cmdline, argv[0] included. */
  argv: string[];
  /** The daemon.json this daemon reads (its --config-file wins over the defaults). */
  configFile: string;
  /** The certs.d it reads CAs and client pairs from. */
  certsDir: string;
  /** The unix socket it answers on. */
  socket: string;
  /** Who can reload or restart it: systemctl, the user's systemd, snapd, the init script, or only we (signals). */
  managedBy: 'systemd' | 'systemd-user' | 'snap' | 'sysv' | 'none';
  /** The system's daemon, a user's under rootlesskit, or the docker snap's. */
  variant: 'rootful' | 'rootless' | 'snap';
  rootless: boolean;
  /** Its owner, as this host sees it (a rootless daemon is root only inside its user namespace). */
  uid: number;
  /** The owner's name (/etc/passwd), when known. */
  user?: string;
  /** Where the reload signal goes: rootlesskit for a rootless daemon, else dockerd itself. */
  signalPid: number;
  /** A rootless daemon's XDG_RUNTIME_DIR (its user's systemd needs it for `systemctl --user`). */
  runtimeDir?: string;
  /** The snap instance ("docker") of a snap's dockerd. */
  snap?: string;
  /**
   * It runs in another mount namespace than regsetup (regsetup in a container with hostPID): its
   * service manager is the host's, reached with `nsenter -t 1 -m -u -i -n -p --` (host/mount-ns.ts).
   */
  viaNsenter?: true;
}

const SSD_PIDFILE = '/var/run/docker-ssd.pid';

/** Everything regsetup needs to know of the dockerd with this pid. */
export async function describeDockerd(r: ProcReader, procRoot: string, pid: number): Promise<DockerdProcess> {
  const argv = await r.argvOf(pid);
  if (argv.length === 0 && !(await r.exists(`${procRoot}/${pid}`))) throw dockerdGone(pid, undefined);
  const env = parseEnviron(await r.proc(pid, 'environ'));
  const { uid = 0 } = statusIds(await r.proc(pid, 'status'));
  const cgroup = (await r.proc(pid, 'cgroup')) ?? '';
  // In a container, the host's systemd, init script and pidfile are seen through dockerd's own root.
  const other = await r.otherMountNs(pid);
  const seen = (path: string) => seenBy(procRoot, pid, other, path);
  const systemd = await r.exists(seen('/run/systemd/system'));
  const configured = flagValue(argv, '--config-file');
  if (argv.includes('--rootless') || env.ROOTLESSKIT_STATE_DIR !== undefined || uid !== 0) {
    const owner = passwdEntry(await r.read('/etc/passwd'), uid);
    const configHome = rootlessConfigHome(env, owner?.home);
    const runtimeDir = env.XDG_RUNTIME_DIR ?? `/run/user/${uid}`;
    return {
      pid,
      argv,
      configFile: configured ?? `${configHome}/docker/daemon.json`,
      certsDir: `${configHome}/docker/certs.d`,
      socket: socketOf(argv, `${runtimeDir}/docker.sock`),
      // Its user unit is docker.service too, under user@UID.service: `systemctl reload docker` would hit the system's.
      managedBy: systemd && new RegExp(`/user@${uid}\\.service/.*docker\\.service\\b`).test(cgroup) ? 'systemd-user' : 'none',
      variant: 'rootless',
      rootless: true,
      uid,
      ...(owner ? { user: owner.name } : {}),
      signalPid: await rootlesskitOf(r, pid, uid),
      runtimeDir,
    };
  }
  const snap = snapOf(configured);
  let managedBy: DockerdProcess['managedBy'] = 'none';
  if (snap !== undefined && cgroup.includes(`/snap.${snap.instance}.dockerd.service`)) managedBy = 'snap';
  else if (snap === undefined && systemd && /\/docker\.service\b/.test(cgroup)) managedBy = 'systemd';
  // The init script's start-stop-daemon records what it started here; a dockerd started by hand is not in it.
  else if (snap === undefined && (await r.exists(seen('/etc/init.d/docker'))) && Number((await r.read(seen(SSD_PIDFILE)))?.trim()) === pid) managedBy = 'sysv';
  return {
    pid,
    argv,
    configFile: configured ?? '/etc/docker/daemon.json',
    certsDir: snap ? `${snap.data}/etc/docker/certs.d` : '/etc/docker/certs.d',
    socket: socketOf(argv, DEFAULT_SOCKET),
    managedBy,
    variant: snap ? 'snap' : 'rootful',
    rootless: false,
    uid,
    signalPid: pid,
    ...(snap ? { snap: snap.instance } : {}),
    ...(other ? { viaNsenter: true as const } : {}),
  };
}

/** The topmost rootlesskit above dockerd (of the same user), else dockerd itself. */
async function rootlesskitOf(r: ProcReader, pid: number, uid: number): Promise<number> {
  let target = pid;
  let at = statusIds(await r.procOf(pid, 'status')).ppid;
  for (let hop = 0; hop < 4 && at !== undefined && at > 1; hop++) {
    const status = statusIds(await r.procOf(at, 'status'));
    if (status.uid !== uid) break;
    if (ROOTLESSKIT_COMMS.has((await r.procOf(at, 'comm'))?.trim() ?? '')) target = at;
    at = status.ppid;
  }
  return target;
}
