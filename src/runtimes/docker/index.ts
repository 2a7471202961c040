import { dockerApi, type DockerApi } from '../../host/docker-api.js';
import { findDockerds, type DockerdProcess } from '../../host/dockerd.js';
import { rooted } from '../../host/host-path.js';
import type { HostPorts, Runtime, RuntimeSession } from '../types.js';
import { layoutOf, recordLayout } from './layout.js';
import { dockerRecord } from './record.js';
import { dockerSession, type DockerSession } from './session.js';

/** Traces of Docker on the host, for a daemon that does not answer: is it installed here at all? */
async function installed(host: HostPorts): Promise<boolean> {
  const files = rooted(host.files, host.root);
  for (const path of ['/etc/docker', '/var/run/docker.sock', '/usr/bin/dockerd', '/usr/sbin/dockerd', '/usr/local/bin/dockerd']) {
    if (await files.exists(path)) return true;
  }
  return host.dockerHost !== undefined && host.dockerHost !== '';
}

const explicitHost = (host: HostPorts): string | undefined => {
  const h = (host.dockerHost ?? host.env.DOCKER_HOST)?.trim();
  return h === undefined || h === '' ? undefined : h;
};

const sameSocket = (a: string, b: string) => a.replace(/^\/var\/run\//, '/run/') === b.replace(/^\/var\/run\//, '/run/');

/**
 * Which daemon a --docker-host / $DOCKER_HOST belongs to: the one listening on that socket, else the
 * one this user drives (root: the system's; a user: their own rootless one).
 */
function ownerOfExplicit(found: readonly DockerdProcess[], explicit: string, uid: number): DockerdProcess | undefined {
  const path = explicit.startsWith('unix://') ? explicit.slice('unix://'.length) : explicit.startsWith('/') ? explicit : undefined;
  const bySocket = path === undefined ? undefined : found.find((d) => sameSocket(d.socket, path));
  if (bySocket) return bySocket;
  return uid === 0 ? found.find((d) => d.variant !== 'rootless') : found.find((d) => d.variant === 'rootless' && d.uid === uid);
}

async function open(host: HostPorts, docker: DockerApi, dockerd: DockerdProcess | undefined): Promise<DockerSession> {
  const daemon = await docker.info().then(
    (info) => ({ info }),
    (error: unknown) => ({ error }),
  );
  return dockerSession(host, docker, daemon, dockerd, layoutOf(dockerd));
}

export const dockerRuntime: Runtime = {
  kind: 'docker',
  /**
   * Every dockerd here, each its own session: the system's (or the snap's) and the rootless ones.
   * Run as a user, regsetup looks at the system's (it may verify through it) and at that user's
   * own rootless dockerd only: other users' daemons are not its business.
   */
  async detect(host: HostPorts): Promise<RuntimeSession[]> {
    const uid = host.uid ?? 0;
    const api = host.dockerApi ?? ((dockerHost) => dockerApi({ dockerHost }));
    const explicit = explicitHost(host);
    const found = (await findDockerds({ files: host.files, root: host.root }).catch(() => [])).filter((d) => uid === 0 || d.variant !== 'rootless' || d.uid === uid);
    if (found.length === 0) {
      const session = await open(host, api(explicit), undefined);
      if ('error' in session.daemon && !(await installed(host))) return [];
      return [session];
    }
    const owner = explicit === undefined ? undefined : ownerOfExplicit(found, explicit, uid);
    return Promise.all(found.map((d) => open(host, api(d === owner ? explicit : `unix://${d.socket}`), d)));
  },
  async offline(host, id, record) {
    const r = dockerRecord(record)!;
    const layout = recordLayout(id, r);
    const docker = (host.dockerApi ?? ((dockerHost) => dockerApi({ dockerHost })))(explicitHost(host));
    const error = new Error(`${layout.label} is not running (recorded for ${r.daemonJsonPath})`);
    return dockerSession(host, docker, { error }, undefined, layout);
  },
};
