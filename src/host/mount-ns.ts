import type { Files } from './files.js';
import { resolveHostPath } from './host-path.js';

// regsetup in a container that shares the host's PID namespace (the Kubernetes DaemonSet,
// deploy/kubernetes/, with hostPID): the daemons it configures are the host's, in the host's mount
// namespace, while regsetup sees its own image. Their files are mounted at their host paths
// (the DaemonSet's hostPath volumes); what is not mounted is read as the daemon itself sees it,
// through /proc/<pid>/root; and the host's service manager is reached by entering PID 1's
// namespaces with nsenter, since systemctl, its D-Bus socket and the units live there
// (docs/host-behaviour.md#in-a-container).

/** The prefix that runs a command in the host's namespaces (those of PID 1). */
export const NSENTER_HOST: readonly string[] = ['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--'];

/** argv as run on the host: through nsenter when the daemon lives in another mount namespace. */
export const onHost = (argv: readonly string[], viaNsenter: boolean | undefined): string[] => (viaNsenter ? [...NSENTER_HOST, ...argv] : [...argv]);

const linkOf = async (files: Pick<Files, 'readLink'>, path: string): Promise<string | undefined> => {
  try {
    return await files.readLink(path);
  } catch {
    return undefined; // another user's process without CAP_SYS_PTRACE (EACCES): nothing to learn
  }
};

/**
 * Whether process `pid` lives in another mount namespace than regsetup (/proc/<pid>/ns/mnt and
 * /proc/self/ns/mnt name different namespaces). Unreadable either way: false, as on a plain host.
 */
export async function otherMountNs(files: Pick<Files, 'readLink'>, root: string | undefined, procRoot: string, pid: number): Promise<boolean> {
  const mine = await linkOf(files, resolveHostPath(root, `${procRoot}/self/ns/mnt`));
  const theirs = await linkOf(files, resolveHostPath(root, `${procRoot}/${pid}/ns/mnt`));
  return mine !== undefined && theirs !== undefined && mine !== theirs;
}

/** An absolute symlink met below /proc/<pid>/root resolves against regsetup's own root: take the host's /var/run → /run link by name. */
export const belowProcRoot = (path: string): string => path.replace(/^\/var\/run\//, '/run/');

/** A host path as the process `pid` sees it: through its /proc/<pid>/root when it is in another mount namespace. */
export const seenBy = (procRoot: string, pid: number, other: boolean, path: string): string => (other ? `${procRoot}/${pid}/root${belowProcRoot(path)}` : path);
