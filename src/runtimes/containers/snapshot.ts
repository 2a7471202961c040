import { posix } from 'node:path';
import { refused } from '../../core/errors.js';

// Where containers/image (podman, buildah, skopeo, CRI-O) reads its registry settings, and what
// the planner knows of them: plain data gathered beforehand, so planning is a pure function.

/** Where the files are for one user (the one running regsetup: root on a node). Host paths. */
export interface ContainersLayout {
  id: string;
  label: string;
  /** pkg/sysregistriesv2 builtinRegistriesConfPath and its drop-in directory. */
  registriesConf: string;
  dropInDir: string;
  /** regsetup's one drop-in; "50-" sorts it after the distribution's own (000-shortnames.conf) and before an admin's 99-*. */
  dropIn: string;
  /** docker/docker_client.go perHostCertDirs: /etc/containers/certs.d, then /etc/docker/certs.d. */
  certsDir: string;
  dockerCertsDir: string;
  /** $HOME/.config/containers/…: a registries.conf there replaces the system file *and* its drop-ins. */
  userRegistriesConf: string;
  userDropInDir: string;
  /** homeCertDir: looked at before the system directories. */
  userCertsDir: string;
  /** Where regsetup names its credential helper: $XDG_CONFIG_HOME/containers/auth.json (see auth-file.ts). */
  authFile: string;
  /** The per-boot auth files `podman login` writes, read before authFile (tmpfs). */
  runtimeAuthFiles: string[];
}

export function containersLayout(env: NodeJS.ProcessEnv, uid: number, home: string, o: { id: string; label: string }): ContainersLayout {
  const config = env.XDG_CONFIG_HOME || posix.join(home, '.config');
  return {
    ...o,
    registriesConf: '/etc/containers/registries.conf',
    dropInDir: '/etc/containers/registries.conf.d',
    dropIn: '/etc/containers/registries.conf.d/50-regsetup.conf',
    certsDir: '/etc/containers/certs.d',
    dockerCertsDir: '/etc/docker/certs.d',
    userRegistriesConf: posix.join(home, '.config/containers/registries.conf'),
    userDropInDir: posix.join(home, '.config/containers/registries.conf.d'),
    userCertsDir: posix.join(home, '.config/containers/certs.d'),
    authFile: posix.join(config, 'containers/auth.json'),
    // getPathToAuth: $XDG_RUNTIME_DIR/containers/auth.json when set, else /run/containers/<uid>/auth.json.
    runtimeAuthFiles: [...new Set([...(env.XDG_RUNTIME_DIR ? [posix.join(env.XDG_RUNTIME_DIR, 'containers/auth.json')] : []), `/run/containers/${uid}/auth.json`])],
  };
}

/** A file a planner must parse, as found. Files regsetup writes are not followed through a link. */
export type ReadFile =
  | { state: 'absent' }
  | { state: 'text'; text: string; mode: number }
  | { state: 'symlink'; target: string }
  | { state: 'too-large'; size: number }
  | { state: 'not-a-file' };

/** A certs.d/<host[:port]> directory: file name → content (CAs and client pairs); undefined = no such directory. */
export type CertsDirFiles = Record<string, string>;

export interface ContainersSnapshot {
  layout: ContainersLayout;
  registriesConf: ReadFile;
  /** *.conf of the system drop-in directory, in the order containers/image loads them (ours among them). */
  dropIns: Array<{ path: string; file: ReadFile }>;
  /** *.conf of the user's drop-in directory (loaded after the system ones). */
  userDropIns: Array<{ path: string; file: ReadFile }>;
  userRegistriesConf: boolean;
  /** host[:port] → the three directories containers/image may use for it. */
  certs: Record<string, { user?: CertsDirFiles; containers?: CertsDirFiles; docker?: CertsDirFiles }>;
  authFile: ReadFile;
  runtimeAuth: Array<{ path: string; file: ReadFile }>;
  /** REGISTRY_AUTH_FILE of regsetup's environment: podman run with it reads that file instead. */
  registryAuthFileEnv?: string;
  /** Contents of the journal's `previous.backupPath` files (for leave), keyed by backupPath. */
  backups?: Record<string, string>;
  crio: { running: boolean; pid?: number; systemd?: boolean };
}

/**
 * The text of a file the plan must read, undefined when absent. Refuses (exit 4, nothing written)
 * a link where regsetup writes, a file too large to be a configuration, or a directory.
 */
export function readable(file: ReadFile, path: string): string | undefined {
  const hint = `Nothing was changed. Put a regular file there (or remove ${path}) and run again.`;
  switch (file.state) {
    case 'absent':
      return undefined;
    case 'text':
      return file.text;
    case 'symlink':
      throw refused('ERR_CONTAINERS_FILE_SYMLINK', `${path} is a symbolic link to ${file.target}: regsetup writes its own file there, never through a link`, hint);
    case 'too-large':
      throw refused('ERR_CONTAINERS_FILE_TOO_LARGE', `${path} is ${file.size} bytes, more than the ${MAX_CONFIG_BYTES} a configuration file may have here`, hint);
    case 'not-a-file':
      throw refused('ERR_CONTAINERS_FILE_NOT_A_FILE', `${path} is not a regular file`, hint);
  }
}

/** The text when there is one to read, whatever else is wrong with the file (for drift and doctor). */
export const textOf = (file: ReadFile): string | undefined => (file.state === 'text' ? file.text : undefined);

/** The snapshot's content of a file under one of the certs.d trees; undefined when absent. */
export function certsFile(snapshot: ContainersSnapshot, path: string): string | undefined {
  const trees = [['containers', snapshot.layout.certsDir], ['docker', snapshot.layout.dockerCertsDir], ['user', snapshot.layout.userCertsDir]] as const;
  for (const [key, dir] of trees) {
    if (!path.startsWith(`${dir}/`)) continue;
    const [hostPort, name, ...rest] = path.slice(dir.length + 1).split('/');
    if (hostPort === undefined || name === undefined || rest.length > 0) return undefined;
    return snapshot.certs[hostPort]?.[key]?.[name];
  }
  return undefined;
}

export const MAX_CONFIG_BYTES = 1024 * 1024;
