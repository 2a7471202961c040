import { DEFAULT_STATE_DIR } from './journal.js';

/**
 * What each command must be able to touch, declared as data so a permission problem is named up
 * front (kubeadm's preflight) instead of surfacing as EACCES halfway. The host side
 * (src/host/access-check.ts) checks them as the user running regsetup; `--root` prefixes them.
 * The lead's runtime port extends this: one layout per runtime, and per command what it needs.
 */
export type AccessKind = 'read' | 'write' | 'connect';

export interface AccessNeed {
  kind: AccessKind;
  /** A host path (before --root): a file, a directory, or a unix socket for `connect`. */
  path: string;
  /** Why the command needs it, for the message ("the journal of what regsetup manages"). */
  why: string;
}

/** Where one container runtime keeps what regsetup touches on this host. */
export interface HostLayout {
  name: 'rootful docker' | 'rootless docker';
  daemonConfigDir: string;
  certsDir: string;
  stateDir: string;
  /** The Docker socket, when --docker-host is a unix socket (none for tcp://). */
  dockerSocket?: string;
}

export const rootfulDocker = (dockerSocket: string | undefined): HostLayout => ({
  name: 'rootful docker',
  daemonConfigDir: '/etc/docker',
  certsDir: '/etc/docker/certs.d',
  stateDir: DEFAULT_STATE_DIR,
  ...(dockerSocket ? { dockerSocket } : {}),
});

/**
 * A rootless dockerd keeps daemon.json and certs.d under $XDG_CONFIG_HOME/docker (see
 * docs/host-behaviour.md); its user's runs keep their journal in their own state directory
 * (core/state-dir.ts), the one converge and apply use.
 */
export const rootlessDocker = (configHome: string, dockerSocket: string | undefined, stateDir: string): HostLayout => ({
  name: 'rootless docker',
  daemonConfigDir: `${configHome}/docker`,
  certsDir: `${configHome}/docker/certs.d`,
  stateDir,
  ...(dockerSocket ? { dockerSocket } : {}),
});

const read = (path: string, why: string): AccessNeed => ({ kind: 'read', path, why });
const write = (path: string, why: string): AccessNeed => ({ kind: 'write', path, why });
const connect = (path: string | undefined, why: string): AccessNeed[] => (path ? [{ kind: 'connect', path, why }] : []);

const journal = (l: HostLayout) => read(`${l.stateDir}/state.json`, 'the journal of what regsetup manages');
const changesHost = (l: HostLayout, verb: string): AccessNeed[] => [
  write(l.daemonConfigDir, `${verb} daemon.json there`),
  write(l.certsDir, `${verb} the registry CA there`),
  write(l.stateDir, 'it keeps its journal and backups there'),
  ...connect(l.dockerSocket, 'it reloads dockerd and confirms the change in docker info'),
];

export type NeedsOf = (layout: HostLayout, opts: Record<string, unknown>) => AccessNeed[];

/** Per command path (`creds migrate`); a command not listed needs nothing checked up front. */
export const commandNeeds: Record<string, NeedsOf> = {
  status: (l) => [journal(l)],
  join: (l, o) => (o.dryRun ? planNeeds(l) : changesHost(l, 'join writes')),
  plan: (l) => planNeeds(l),
  leave: (l, o) => (o.dryRun ? [journal(l)] : changesHost(l, 'leave restores')),
  doctor: (l, o) => (o.fix ? changesHost(l, 'doctor --fix writes') : [journal(l), ...connect(l.dockerSocket, 'it asks dockerd what it runs with')]),
  verify: (l) => connect(l.dockerSocket, 'it pulls and pushes through dockerd'),
  login: (l) => connect(l.dockerSocket, 'dockerd checks the credentials (as docker login does)'),
};

function planNeeds(l: HostLayout): AccessNeed[] {
  return [journal(l), read(`${l.daemonConfigDir}/daemon.json`, 'the plan starts from the current daemon.json'), ...connect(l.dockerSocket, 'it asks dockerd what it runs with')];
}
