import { parseDockerHost } from '../host/docker-connection.js';
import { flagSources } from '../host/dockerd.js';
import { rooted, resolveHostPath } from '../host/host-path.js';
import { RegistryClient } from '../host/registry-client.js';
import { certsDirCas, systemCaPems } from '../host/tls.js';
import type { ContainerdSession } from '../runtimes/containerd/session.js';
import { dockerRuntime } from '../runtimes/docker/index.js';
import { layoutOf } from '../runtimes/docker/layout.js';
import type { DockerSession } from '../runtimes/docker/session.js';
import { detectSessions } from '../runtimes/registry.js';
import type { HostPorts } from '../runtimes/types.js';
import { probeMirror } from '../verify/mirror-probe.js';
import { runVerify } from '../verify/suite.js';
import type { VerifyRuntime } from '../verify/runtime-context.js';
import type { VerifyInput, VerifyPorts } from '../verify/types.js';
import type { CredentialsReport } from './credentials-report.js';
import type { DoctorPorts, FixFactory } from './ports.js';
import type { Target } from './types.js';

export interface RealPortsOptions {
  /** The host as this user sees it (hostOf): their uid, --docker-host, --root. */
  host: HostPorts;
  /** The journal's directory of this user (root's, or a rootless dockerd's user's). */
  stateDir: string;
  /** The fixes, for the Docker session doctor checks (undefined: no Docker here). */
  fixes(docker: DockerSession | undefined): FixFactory;
  credentials(): Promise<CredentialsReport>;
  /** The verification suite's input and ports for one target (verify's own setup). */
  verifySetup(target: Target): Promise<{ input: VerifyInput; ports: VerifyPorts; runtimes: VerifyRuntime[] }>;
}

const sameSocket = (a: string, b: string) => a.replace(/^\/var\/run\//, '/run/') === b.replace(/^\/var\/run\//, '/run/');

/**
 * The Docker session doctor checks: the one on --docker-host's socket, else the one this user
 * configures (root: the system's or the snap's; a user: their own rootless dockerd), else the
 * system's (a docker group member may still ask it). Never, unasked, another user's rootless one:
 * its files, journal and credentials are that user's.
 */
export function doctorDockerSession(sessions: readonly DockerSession[], uid: number, dockerHost: string | undefined): DockerSession | undefined {
  const explicit = dockerHost?.trim() ? parseDockerHost(dockerHost).options.socketPath : undefined;
  return (
    sessions.find((s) => explicit !== undefined && s.dockerd !== undefined && sameSocket(s.dockerd.socket, explicit)) ??
    sessions.find((s) => uid !== 0 && s.dockerd?.variant === 'rootless' && s.dockerd.uid === uid) ??
    sessions.find((s) => s.dockerd?.variant !== 'rootless')
  );
}

/** The host, as doctor's checks see it, for the Docker session this user's doctor checks. */
export async function realDoctorPorts(o: RealPortsOptions): Promise<DoctorPorts> {
  const { host } = o;
  const uid = host.uid ?? 0;
  const sessions = (await dockerRuntime.detect(host)) as DockerSession[];
  const docker = doctorDockerSession(sessions, uid, host.dockerHost ?? host.env.DOCKER_HOST);
  const files = rooted(host.files, host.root);
  const layout = layoutOf(docker?.dockerd);
  const certsRoot = resolveHostPath(host.root, layout.certsDir);
  const pems = systemCaPems({ root: host.root === '/' ? '' : host.root });
  return {
    files,
    docker: docker?.docker,
    clock: host.clock,
    stateDir: o.stateDir,
    findDockerd: async () => docker?.dockerd,
    otherDockerds: async () => sessions.filter((s) => s !== docker).flatMap((s) => (s.dockerd ? [s.dockerd] : [])),
    flagSources: (dockerd) => flagSources({ files: host.files, ...(dockerd ? { dockerd } : {}), root: host.root }),
    readCertsDir: (hostPort) => certsDirCas(certsRoot, hostPort),
    certsDirs: () => files.readdir(layout.certsDir),
    verify: async (target) => {
      const { input, ports, runtimes } = await o.verifySetup(target);
      return runVerify(input, ports, runtimes);
    },
    probeMirror: async (mirror, repo, tag) => probeMirror({ certsRoot, systemPems: await pems, now: host.clock.now }, mirror, repo, tag),
    credentials: o.credentials,
    // containerd (CRI) is the system's: as root it is checked, as a user there is nothing of theirs.
    containerd: async () => (uid === 0 ? ((await detectSessions(host, ['containerd'])) as ContainerdSession[]) : []),
    probeHost: async (url, tls, manifest) => {
      const base = new URL(url);
      const client = new RegistryClient({ baseUrl: base.origin, tls: { ...tls, ca: [...(await pems), ...(tls.ca ?? [])] }, now: host.clock.now, timeoutMs: 10_000 });
      return manifest ? client.headManifest(manifest.repo, manifest.tag) : { status: (await client.ping()).status };
    },
    fixes: o.fixes(docker),
  };
}
