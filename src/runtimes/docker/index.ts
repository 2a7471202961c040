import { dockerApi } from '../../host/docker-api.js';
import { findDockerd } from '../../host/dockerd.js';
import { rooted } from '../../host/host-path.js';
import type { HostPorts, Runtime, RuntimeSession } from '../types.js';
import { dockerRecord } from './record.js';
import { CERTS_DIR, dockerSession, type DockerLayout } from './session.js';

const DEFAULT_DAEMON_JSON = '/etc/docker/daemon.json';

/** Traces of Docker on the host, for a daemon that does not answer: is it installed here at all? */
async function installed(host: HostPorts): Promise<boolean> {
  const files = rooted(host.files, host.root);
  for (const path of ['/etc/docker', '/var/run/docker.sock', '/usr/bin/dockerd', '/usr/sbin/dockerd', '/usr/local/bin/dockerd']) {
    if (await files.exists(path)) return true;
  }
  return host.dockerHost !== undefined && host.dockerHost !== '';
}

export const dockerRuntime: Runtime = {
  kind: 'docker',
  async detect(host: HostPorts): Promise<RuntimeSession[]> {
    const docker = dockerApi({ dockerHost: host.dockerHost ?? host.env.DOCKER_HOST });
    const daemon = await docker.info().then(
      (info) => ({ info }),
      (error: unknown) => ({ error }),
    );
    const dockerd = await findDockerd({ files: host.files, root: host.root }).catch(() => undefined);
    if ('error' in daemon && dockerd === undefined && !(await installed(host))) return [];
    const layout: DockerLayout = { id: 'docker', label: 'dockerd', daemonJsonPath: dockerd?.configFile ?? DEFAULT_DAEMON_JSON, certsDir: CERTS_DIR };
    return [dockerSession(host, docker, daemon, dockerd, layout)];
  },
  async offline(host, id, record) {
    const r = dockerRecord(record)!;
    const docker = dockerApi({ dockerHost: host.dockerHost ?? host.env.DOCKER_HOST });
    const error = new Error(`dockerd is not running (recorded for ${r.daemonJsonPath})`);
    return dockerSession(host, docker, { error }, undefined, { id, label: 'dockerd', daemonJsonPath: r.daemonJsonPath, certsDir: CERTS_DIR });
  },
};
