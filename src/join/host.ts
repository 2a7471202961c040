import { refused } from '../core/errors.js';
import { DEFAULT_STATE_DIR } from '../core/journal.js';
import type { HostSnapshot } from '../core/host-snapshot.js';
import { readFileSnapshot } from '../apply/read-snapshot.js';
import type { ApplyPorts } from '../apply/apply.js';
import { systemClock } from '../host/clock.js';
import { dockerApi, type DockerApi, type DockerInfo } from '../host/docker-api.js';
import { findDockerd, flagSources, hasValidateFlag, reloadDockerd, type DockerdProcess } from '../host/dockerd.js';
import { nodeFiles, type Files } from '../host/files.js';
import { processes } from '../host/processes.js';

export const CERTS_DIR = '/etc/docker/certs.d';

/**
 * How long apply waits for `docker info` to show the change. A SIGHUP reload shows within
 * milliseconds or never (a refused reload is only logged); a restart stops every container first.
 */
export const settleTimeoutMs = (daemon: 'reload' | 'restart' | 'none'): number => (daemon === 'restart' ? 90_000 : 10_000);

/** The real host, as join, leave and status see it: files, the Docker API, the running dockerd. */
export interface Host {
  root: string;
  files: Files;
  docker: DockerApi;
  dockerd: DockerdProcess;
  info: DockerInfo;
  stateDir: string;
}

export async function openHost(opts: { root: string; dockerHost: string | undefined }): Promise<Host> {
  const files = nodeFiles();
  const docker = dockerApi({ dockerHost: opts.dockerHost });
  let info: DockerInfo;
  try {
    info = await docker.info();
  } catch (error) {
    throw refused('ERR_DOCKER_UNREACHABLE', `${(error as Error).message}`, 'Start dockerd (or point --docker-host at it) and run the command again; nothing was changed.');
  }
  const dockerd = await findDockerd({ files, root: opts.root });
  if (!dockerd) {
    throw refused('ERR_DOCKERD_NOT_FOUND', 'the Docker API answers, but no dockerd process was found on this host', 'regsetup configures the local daemon: run it on the node itself (not against a remote --docker-host).');
  }
  return { root: opts.root, files, docker, dockerd, info, stateDir: DEFAULT_STATE_DIR };
}

/** Everything the pure planner needs, read once before the first write. */
export async function snapshotHost(host: Host, hostPorts: string[]): Promise<HostSnapshot> {
  const fileSnapshot = await readFileSnapshot(host.files, {
    root: host.root,
    stateDir: host.stateDir,
    daemonJsonPath: host.dockerd.configFile,
    certsDir: CERTS_DIR,
    hostPorts,
  });
  return {
    ...fileSnapshot,
    flagSources: await flagSources({ files: host.files, dockerd: host.dockerd, root: host.root }),
    dockerd: {
      running: true,
      liveRestore: host.info.liveRestore,
      runningContainers: host.info.runningContainers,
      supportsValidate: hasValidateFlag(host.info.serverVersion),
    },
  };
}

/** How apply reaches the daemon: SIGHUP (or systemctl reload); a restart only where a service manager can do it. */
export function applyPorts(host: Host, log: (line: string) => void): ApplyPorts {
  const restartCommand = host.dockerd.managedBy === 'systemd' ? ['systemctl', 'restart', 'docker.service'] : host.dockerd.managedBy === 'sysv' ? ['/etc/init.d/docker', 'restart'] : undefined;
  return {
    files: host.files,
    docker: host.docker,
    clock: systemClock,
    log,
    reload: async () => void (await reloadDockerd({ dockerd: host.dockerd, processes })),
    ...(restartCommand
      ? {
          restart: async () => {
            const r = await processes.run(restartCommand[0]!, restartCommand.slice(1), { timeoutMs: 120_000 });
            if (r.exitCode !== 0) throw new Error(`${restartCommand.join(' ')} failed: ${r.stderr || r.stdout}`);
          },
        }
      : {}),
  };
}
