import type { Clock } from '../host/clock.js';
import type { DockerApi, DockerInfo } from '../host/docker-api.js';
import type { DockerdProcess, FlagSource } from '../host/dockerd.js';
import type { Files } from '../host/files.js';
import type { HttpTlsOptions } from '../host/http.js';
import type { CertsDir } from '../host/tls.js';
import type { ContainerdSession } from '../runtimes/containerd/session.js';
import { layoutOf, type DockerLayout } from '../runtimes/docker/layout.js';
import type { VerifyResult } from '../verify/suite.js';
import type { CredentialsReport } from './credentials-report.js';
import type { Finding, Fix, Target } from './types.js';

/** The fixes doctor can build; each goes through the same plan/apply path as join. */
export interface FixFactory {
  /** Install the CA of hostPort (learnt from --ca-url or the handshake) in certs.d. */
  installCa(hostPort: string): Fix;
  /** Add hostPort to insecure-registries and reload. */
  insecure(hostPort: string): Fix;
  /** SIGHUP dockerd and confirm in `docker info` that it took daemon.json. */
  reload(): Fix;
  /** Join the registry again for this containerd session, from what the journal records (hosts.toml anew, config_path, the deprecated sections moved). */
  containerdRejoin?(session: string, registry: string): Fix;
  /** Restart this containerd (its activation: never a signal) so it reads config.toml, and confirm over CRI. */
  containerdRestart?(session: string): Fix;
  /** Plaintext auths into regsetup's helper (`creds migrate`). */
  migrateCredentials?(): Fix;
  /** Send these registries' logins to regsetup's helper instead of an uninitialised pass. */
  avoidPass?(registries: string[]): Fix | undefined;
}

/** Everything the checks touch, so a test can hand in fakes. Paths are host paths; `files` is already under --root. */
export interface DoctorPorts {
  files: Files;
  /**
   * The Docker API of the dockerd this user's doctor checks — on --docker-host's socket, else the
   * one this user configures (root: the system's or the snap's; a user: their rootless one;
   * docs/architecture.md "Docker variants"). undefined: there is no Docker on this host.
   */
  docker: DockerApi | undefined;
  clock: Clock;
  /** That dockerd's process. */
  findDockerd(): Promise<DockerdProcess | undefined>;
  /** The other dockerds here (as root, each user's rootless one), which this run does not check. */
  otherDockerds(): Promise<DockerdProcess[]>;
  /** The journal's directory: root's, or a rootless dockerd's user's own (core/state-dir.ts). */
  stateDir: string;
  flagSources(dockerd: DockerdProcess | undefined): Promise<FlagSource[]>;
  /** certs.d/<hostPort> of that dockerd, read with moby's rules. */
  readCertsDir(hostPort: string): Promise<CertsDir>;
  /** Its certs.d directory names. */
  certsDirs(): Promise<string[]>;
  /** The verification suite for one target. */
  verify(target: Target): Promise<VerifyResult>;
  /** An anonymous manifest HEAD of a Docker Hub image at a mirror, as dockerd asks a mirror. Throws on network/TLS errors. */
  probeMirror(mirrorUrl: string, repo: string, tag: string): Promise<{ status: number; digest?: string }>;
  credentials(): Promise<CredentialsReport>;
  /** The system's containerd sessions (CRI), as join finds them. */
  containerd(): Promise<ContainerdSession[]>;
  /** A registry host asked as containerd asks it, with a hosts.toml's TLS: HEAD of a manifest when given, else GET /v2/. Throws on network/TLS errors. */
  probeHost(url: string, tls: HttpTlsOptions, manifest?: { repo: string; tag: string }): Promise<{ status: number; digest?: string }>;
  fixes: FixFactory;
}

/** What doctor learns once, before the checks, about the daemon it talks to. */
export interface DoctorState {
  ports: DoctorPorts;
  /** false: no Docker on this host (a containerd node); the Docker checks have nothing to say. */
  dockerHere: boolean;
  daemon: { info: DockerInfo } | { error: Error };
  dockerd?: DockerdProcess;
  /** That dockerd's files: daemon.json, certs.d (the system's, the snap's, a user's rootless one). */
  layout: DockerLayout;
  /** The daemon.json the running dockerd reads (a host path): layout.daemonJsonPath. */
  daemonJsonPath: string;
  targets: Target[];
  hubImage: string;
}

export async function doctorState(ports: DoctorPorts, discover: (layout: DockerLayout) => Promise<Target[]>, hubImage: string): Promise<DoctorState> {
  const daemon = ports.docker
    ? await ports.docker.info().then(
        (info) => ({ info }),
        (error: unknown) => ({ error: error instanceof Error ? error : new Error(String(error)) }),
      )
    : { error: new Error('no Docker on this host') };
  const dockerd = await ports.findDockerd().catch(() => undefined);
  const layout = layoutOf(dockerd);
  return { ports, dockerHere: ports.docker !== undefined, daemon, ...(dockerd ? { dockerd } : {}), layout, daemonJsonPath: layout.daemonJsonPath, targets: await discover(layout), hubImage };
}

/** One of doctor's checks: it reports findings and never throws for what it finds. */
export interface Check {
  name: string;
  run(s: DoctorState): Promise<Finding[]>;
}
