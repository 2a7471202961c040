// What the Docker planner knows about the host: plain data the session gathered beforehand,
// so planning is a pure function (and a test is a literal object).

/** One place a dockerd flag is set; host/dockerd-flags.ts FlagSource has this shape. */
export interface FlagSourceLike {
  /** The daemon.json key the flag sets; undefined for flags without one. */
  key?: string;
  flag: string;
  value?: string;
  /** Where it is written, e.g. "/lib/systemd/system/docker.service ExecStart". */
  source: string;
}

export interface DockerSnapshot {
  /** The daemon.json the running dockerd reads (its --config-file wins). A host path. */
  daemonJsonPath: string;
  /** undefined when the file does not exist. */
  daemonJsonText?: string;
  /** The file's bytes, which the edit keeps where it does not change them (invalid UTF-8 included). */
  daemonJsonBytes?: Buffer;
  daemonJsonStat?: { mode: number; uid: number; gid: number };
  /** e.g. /etc/docker/certs.d (rootless: ~/.config/docker/certs.d). */
  certsDir: string;
  /** hostPort → file name → content, for every directory the plan may touch. */
  existingCaFiles: Record<string, Record<string, string>>;
  flagSources: readonly FlagSourceLike[];
  /**
   * certs.d/<dir>/hosts.toml files that exist (path → text), for the directories a plan or the
   * journal names; what the containerd image store resolves registries with.
   */
  hostsToml?: Record<string, string>;
  /** Directory names under certsDir that exist (containerd prefers host_port_ to host:port). */
  certsDirs?: string[];
  /** Contents of the journal's `previous.backupPath` files (for leave), keyed by backupPath. */
  backups?: Record<string, string>;
  dockerd: {
    running: boolean;
    liveRestore: boolean;
    runningContainers: number;
    supportsValidate: boolean;
    /** A service manager (systemd, the init script) can restart it; without one regsetup only reloads. */
    canRestart?: boolean;
    version?: string;
    /** The containerd image store (docker info DriverStatus driver-type io.containerd.snapshotter.v1). */
    containerdStore?: boolean;
  };
}

const trimSlash = (path: string) => path.replace(/\/+$/, '');

export const caPath = (certsDir: string, hostPort: string): string => `${trimSlash(certsDir)}/${hostPort}/ca.crt`;

/** The snapshot's content of a file under certsDir; undefined when absent or not gathered. */
export function certsFile(snapshot: Pick<DockerSnapshot, 'certsDir' | 'existingCaFiles'>, path: string): string | undefined {
  const prefix = `${trimSlash(snapshot.certsDir)}/`;
  if (!path.startsWith(prefix)) return undefined;
  const [hostPort, name, ...rest] = path.slice(prefix.length).split('/');
  if (hostPort === undefined || name === undefined || rest.length > 0) return undefined;
  return snapshot.existingCaFiles[hostPort]?.[name];
}

/** daemon.json as the planner edits it: the bytes read from disk while they still are the text (a snapshot built by hand has text only). */
export function daemonJsonSource(s: Pick<DockerSnapshot, 'daemonJsonText' | 'daemonJsonBytes'>): Buffer | undefined {
  if (s.daemonJsonText === undefined) return undefined;
  return s.daemonJsonBytes !== undefined && s.daemonJsonBytes.toString('utf8') === s.daemonJsonText ? s.daemonJsonBytes : Buffer.from(s.daemonJsonText, 'utf8');
}

/** A byte view (one char per byte, latin1): how a daemon.json action carries bytes it must not re-encode. */
export const byteView = (b: Buffer): string => b.toString('latin1');
