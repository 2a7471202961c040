import { refused } from '../../core/errors.js';
import type { DockerdProcess } from '../../host/dockerd.js';
import { onHost } from '../../host/mount-ns.js';
import type { DockerLayout } from './layout.js';

// Whose daemon a Docker session is, and what follows from it: a session configures only a daemon of
// the user regsetup runs as (root: the system's), and only that user's systemd restarts a rootless one.

interface Owned {
  readonly dockerd: DockerdProcess | undefined;
  readonly asUid: number;
  readonly label: string;
  readonly layout: DockerLayout;
}

/** Another user's rootless dockerd (regsetup runs as root, or as someone else): theirs to configure. */
export const othersRootless = (session: Owned): boolean => session.dockerd?.variant === 'rootless' && session.dockerd.uid !== session.asUid;

export function notYours(session: Owned): Error | undefined {
  const d = session.dockerd;
  if (d === undefined) return undefined;
  if (othersRootless(session)) {
    const who = d.user ?? `uid ${d.uid}`;
    return refused(
      'ERR_DOCKERD_NOT_YOURS',
      `${session.label} is ${who}'s: regsetup configures a rootless dockerd as its own user, with that user's daemon.json, certs.d, journal and credentials`,
      `Run regsetup as ${who} (e.g. sudo -iu ${d.user ?? `'#${d.uid}'`} regsetup join …, with XDG_RUNTIME_DIR=${d.runtimeDir ?? `/run/user/${d.uid}`}); as root, regsetup configures the system's dockerd.`,
    );
  }
  if (d.variant !== 'rootless' && session.asUid !== 0) {
    return refused('ERR_DOCKERD_NOT_YOURS', `${session.label} runs as root: regsetup as uid ${session.asUid} can neither write ${session.layout.daemonJsonPath} nor reload it`, 'Run regsetup as root (sudo regsetup join …), or start a rootless dockerd of your own (dockerd-rootless-setuptool.sh install).');
  }
  return undefined;
}

/**
 * How this dockerd restarts: its system unit, the init script, snapd (`snap restart docker.dockerd`,
 * the snap's README), or its user's systemd when regsetup runs as that user. Else regsetup only reloads.
 */
export function restartOf(d: DockerdProcess | undefined, asUid: number): { argv: string[]; env?: Record<string, string> } | undefined {
  switch (d?.managedBy) {
    case 'systemd':
      return { argv: onHost(['systemctl', 'restart', 'docker.service'], d.viaNsenter) };
    case 'sysv':
      return { argv: onHost(['/etc/init.d/docker', 'restart'], d.viaNsenter) };
    case 'snap':
      return { argv: onHost(['snap', 'restart', `${d.snap ?? 'docker'}.dockerd`], d.viaNsenter) };
    case 'systemd-user':
      return d.uid === asUid ? { argv: ['systemctl', '--user', 'restart', 'docker.service'], ...(d.runtimeDir ? { env: { XDG_RUNTIME_DIR: d.runtimeDir } } : {}) } : undefined;
    default:
      return undefined;
  }
}
