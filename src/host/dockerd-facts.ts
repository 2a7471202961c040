import { parseDockerdArgs } from './dockerd-args.js';

// Pure readings of what /proc says about one dockerd: its environment, its owner, where a
// rootless or snap daemon keeps its files, which socket it listens on. docs/host-behaviour.md
// "Where daemon.json is".

export const DEFAULT_SOCKET = '/var/run/docker.sock';

export function parseEnviron(text: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of (text ?? '').split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

/** The real uid and the parent pid of /proc/<pid>/status (as this reader's namespace sees them). */
export function statusIds(status: string | undefined): { uid?: number; ppid?: number } {
  const uid = /^Uid:\s*(\d+)/m.exec(status ?? '')?.[1];
  const ppid = /^PPid:\s*(\d+)/m.exec(status ?? '')?.[1];
  return { ...(uid === undefined ? {} : { uid: Number(uid) }), ...(ppid === undefined ? {} : { ppid: Number(ppid) }) };
}

/** name and home of a uid in /etc/passwd. */
export function passwdEntry(passwd: string | undefined, uid: number): { name: string; home: string } | undefined {
  const fields = (passwd ?? '').split('\n').map((line) => line.split(':')).find((f) => f.length >= 6 && Number(f[2]) === uid && f[2] !== '');
  return fields ? { name: fields[0]!, home: fields[5]! } : undefined;
}

export const flagValue = (argv: readonly string[], name: string): string | undefined => parseDockerdArgs(argv.slice(1)).findLast((f) => f.flag === name)?.value;

/**
 * The unix socket dockerd listens on: the first unix:// of its -H/--host flags, else its default
 * (rootful /var/run/docker.sock; rootless $XDG_RUNTIME_DIR/docker.sock). `fd://` is systemd's
 * socket unit, which is the default socket too.
 */
export function socketOf(argv: readonly string[], fallback: string): string {
  const hosts = parseDockerdArgs(argv.slice(1)).filter((f) => f.key === 'hosts' && f.value !== undefined).map((f) => f.value!);
  const unix = hosts.find((h) => h.startsWith('unix://'));
  return unix === undefined ? fallback : unix.slice('unix://'.length);
}

/**
 * A snap's dockerd: its wrapper passes --config-file=$SNAP_DATA/config/daemon.json
 * (/var/snap/<instance>/<revision>/…) and binds $SNAP_DATA/etc/docker over /etc/docker, so its
 * certs.d is $SNAP_DATA/etc/docker/certs.d (canonical/docker-snap bin/dockerd-wrapper, snapcraft.yaml
 * `layout`). The revision is kept as written: /var/snap/<instance>/current is a symlink, which
 * regsetup does not write through (src/host/files.ts).
 */
export function snapOf(configFile: string | undefined): { instance: string; data: string } | undefined {
  const m = /^(\/var\/snap\/([^/]+)\/[^/]+)\/config\/daemon\.json$/.exec(configFile ?? '');
  return m ? { instance: m[2]!, data: m[1]! } : undefined;
}

/** Where a rootless dockerd keeps daemon.json and certs.d: os.UserConfigDir() of its environment, as moby's CertsDir. */
export function rootlessConfigHome(env: Record<string, string>, home: string | undefined): string {
  if (env.XDG_CONFIG_HOME?.startsWith('/')) return env.XDG_CONFIG_HOME;
  return `${env.HOME || home || '/root'}/.config`;
}

/**
 * rootlesskit starts a child (/proc/self/exe) in the new namespaces, which runs dockerd; both pass
 * every signal on to their child (rootlesskit pkg/sigproxy, used by pkg/parent and pkg/child).
 * The user unit's ExecReload is `kill -s HUP $MAINPID`, the topmost rootlesskit: the same here.
 */
export const ROOTLESSKIT_COMMS: ReadonlySet<string> = new Set(['rootlesskit', 'docker-rootless']);
