import { stat } from 'node:fs/promises';
import { rootfulDocker, rootlessDocker, type HostLayout } from '../core/access-needs.js';
import { journalPath } from '../core/journal.js';
import { stateDirFor, userStateDir } from '../core/state-dir.js';
import { parseDockerHost } from './docker-connection.js';
import { resolveHostPath } from './host-path.js';
import { homeDir } from './user.js';

export interface Operator {
  uid: number;
  env: NodeJS.ProcessEnv;
  /** --docker-host, else $DOCKER_HOST. */
  dockerHost: string | undefined;
  root: string;
}

const exists = (path: string) => stat(path).then(() => true, () => false);
const ownedBy = (path: string, uid: number) => stat(path).then((s) => s.uid === uid, () => false);

/**
 * What a run of this user configures: root's the system's daemons; a user their own rootless
 * dockerd — when its socket ($DOCKER_HOST, else $XDG_RUNTIME_DIR/docker.sock) is theirs, or they
 * joined before (their journal exists, so leave and status work with the daemon stopped). Any
 * other user is pointed at root's paths, which the permission preflight then names.
 */
export async function operatorLayout(o: Operator): Promise<HostLayout> {
  const explicit = o.dockerHost === undefined || o.dockerHost.trim() === '' ? undefined : parseDockerHost(o.dockerHost).options.socketPath;
  const tcp = explicit === undefined && o.dockerHost !== undefined && o.dockerHost.trim() !== '';
  if (o.uid !== 0) {
    const home = homeDir(o.env);
    const socket = tcp ? undefined : (explicit ?? `${o.env.XDG_RUNTIME_DIR || `/run/user/${o.uid}`}/docker.sock`);
    const ownRootless = (socket !== undefined && (await ownedBy(socket, o.uid))) || (await exists(resolveHostPath(o.root, journalPath(userStateDir(o.env, home)))));
    if (ownRootless) return rootlessDocker(o.env.XDG_CONFIG_HOME || `${home}/.config`, socket, stateDirFor({ uid: o.uid, ownRootless, env: o.env, home }));
  }
  return rootfulDocker(tcp ? undefined : parseDockerHost(o.dockerHost).options.socketPath);
}
