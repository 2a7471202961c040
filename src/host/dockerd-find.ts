import { isRegsetupError, RegsetupError } from '../core/errors.js';
import { DEFAULT_SOCKET, flagValue, parseEnviron, passwdEntry, rootlessConfigHome, ROOTLESSKIT_COMMS, snapOf, socketOf, statusIds } from './dockerd-facts.js';
import type { Files } from './files.js';
import { resolveHostPath } from './host-path.js';

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
}

const PIDFILES = ['/var/run/docker.pid', '/run/docker.pid'];
const SSD_PIDFILE = '/var/run/docker-ssd.pid';

const gone = (pid: number, cause: unknown) =>
  new RegsetupError('ERR_DOCKERD_GONE', `dockerd (pid ${pid}) exited while regsetup read /proc/${pid}`, {
    hint: 'Start it again (systemctl start docker; journalctl -u docker says why it stopped), then run regsetup again. Nothing was changed.',
    cause,
    exitCode: 4,
  });

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
  // Once the system's daemon is chosen, it vanishing is worth saying: its files are what we were about to read.
  const proc = async (pid: number, name: string) => {
    const text = await procOf(pid, name);
    if (text === undefined && pid === picked.pid && name !== 'environ' && !(await files.exists(resolveHostPath(root, `${procRoot}/${pid}`)))) throw gone(pid, undefined);
    return text;
  };
  const commOf = async (pid: number) => (await proc(pid, 'comm'))?.trim();
  const isDockerd = async (pid: number) => Number.isInteger(pid) && pid > 0 && (await commOf(pid)) === 'dockerd';
  const argvOf = async (pid: number) => ((await proc(pid, 'cmdline')) ?? '').split('\0').filter((arg, i, all) => arg !== '' || i < all.length - 1);
  const ownPidfile = async (pid: number, fallback?: string) => {
    const argv = await argvOf(pid);
    const pidfile = flagValue(argv, '--pidfile') ?? flagValue(argv, '-p') ?? fallback;
    return pidfile !== undefined && Number((await read(pidfile))?.trim()) === pid;
  };

  let system: number | undefined;
  for (const pidfile of PIDFILES) {
    const candidate = Number((await read(pidfile))?.trim());
    if (await isDockerd(candidate)) {
      system = picked.pid = candidate;
      break;
    }
  }
  // No default pidfile (snap, rootless, a custom --pidfile): look at every process.
  const all = (await files.readdir(resolveHostPath(root, procRoot))).map(Number).filter((n) => Number.isInteger(n) && n > 0 && n !== system);
  const found: Array<{ pid: number; uid: number; rootless: boolean; env: Record<string, string> }> = [];
  for (const pid of all.sort((a, b) => a - b)) {
    if (!(await isDockerd(pid))) continue;
    const env = parseEnviron(await procOf(pid, 'environ'));
    const uid = statusIds(await procOf(pid, 'status')).uid ?? 0;
    found.push({ pid, uid, env, rootless: uid !== 0 || env.ROOTLESSKIT_STATE_DIR !== undefined || (await argvOf(pid)).includes('--rootless') });
  }
  if (system === undefined) {
    // Several system daemons: prefer the one its own pidfile names.
    const rootful = found.filter((f) => !f.rootless);
    for (const f of rootful) if (system === undefined && (await ownPidfile(f.pid))) system = f.pid;
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
    picked.pid = system;
    out.push(await describe(system));
  }
  for (const pid of [...rootless.entries()].sort(([a], [b]) => a - b).map(([, p]) => p)) {
    const d = await describe(pid).catch((error: unknown) => (isRegsetupError(error) && error.code === 'ERR_DOCKERD_GONE' ? undefined : Promise.reject(error)));
    if (d) out.push(d);
  }
  return out;

  async function describe(pid: number): Promise<DockerdProcess> {
    const argv = await argvOf(pid);
    if (argv.length === 0 && !(await files.exists(resolveHostPath(root, `${procRoot}/${pid}`)))) throw gone(pid, undefined);
    const env = parseEnviron(await proc(pid, 'environ'));
    const { uid = 0 } = statusIds(await proc(pid, 'status'));
    const isRootless = argv.includes('--rootless') || env.ROOTLESSKIT_STATE_DIR !== undefined || uid !== 0;
    const cgroup = (await proc(pid, 'cgroup')) ?? '';
    const systemd = await files.exists(resolveHostPath(root, '/run/systemd/system'));
    const configured = flagValue(argv, '--config-file');
    if (isRootless) {
      const owner = passwdEntry(await read('/etc/passwd'), uid);
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
        signalPid: await rootlesskitOf(pid, uid),
        runtimeDir,
      };
    }
    const snap = snapOf(configured);
    let managedBy: DockerdProcess['managedBy'] = 'none';
    if (snap !== undefined && cgroup.includes(`/snap.${snap.instance}.dockerd.service`)) managedBy = 'snap';
    else if (snap === undefined && systemd && /\/docker\.service\b/.test(cgroup)) managedBy = 'systemd';
    // The init script's start-stop-daemon records what it started here; a dockerd started by hand is not in it.
    else if (snap === undefined && (await files.exists(resolveHostPath(root, '/etc/init.d/docker'))) && Number((await read(SSD_PIDFILE))?.trim()) === pid) managedBy = 'sysv';
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
    };
  }

  /** The topmost rootlesskit above dockerd (of the same user), else dockerd itself. */
  async function rootlesskitOf(pid: number, uid: number): Promise<number> {
    let target = pid;
    let at = statusIds(await procOf(pid, 'status')).ppid;
    for (let hop = 0; hop < 4 && at !== undefined && at > 1; hop++) {
      const status = statusIds(await procOf(at, 'status'));
      if (status.uid !== uid) break;
      if (ROOTLESSKIT_COMMS.has((await procOf(at, 'comm'))?.trim() ?? '')) target = at;
      at = status.ppid;
    }
    return target;
  }
}

/** The system's dockerd, else the first rootless one (what doctor looks at). */
export async function findDockerd(input: Input): Promise<DockerdProcess | undefined> {
  return (await findDockerds(input))[0];
}
