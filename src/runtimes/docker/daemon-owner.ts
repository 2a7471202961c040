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

/** The commands an operator runs for this dockerd, for the fixes doctor explains. */
export interface DockerdCommands {
  reload: string;
  start: string;
  log: string;
}

/** As the daemon is run: its system unit, its user's unit, the snap, the init script, or a plain process. */
export function dockerdCommands(d: DockerdProcess | undefined): DockerdCommands {
  switch (d?.managedBy) {
    case 'systemd-user':
      return { reload: `systemctl --user reload docker (as ${d.user ?? `uid ${d.uid}`})`, start: `systemctl --user start docker (as ${d.user ?? `uid ${d.uid}`})`, log: 'journalctl --user -u docker' };
    case 'snap':
      return { reload: `kill -HUP ${d.pid} (or snap restart ${d.snap ?? 'docker'}.dockerd)`, start: `snap start ${d.snap ?? 'docker'}.dockerd`, log: `snap logs ${d.snap ?? 'docker'}.dockerd` };
    case 'sysv':
      return { reload: '/etc/init.d/docker reload', start: '/etc/init.d/docker start', log: '/var/log/docker.log' };
    case 'none':
      return { reload: `kill -HUP ${d.signalPid}`, start: 'start dockerd again the way it was started', log: "dockerd's log" };
    default:
      return { reload: 'systemctl reload docker', start: 'systemctl start docker', log: 'journalctl -u docker' };
  }
}
