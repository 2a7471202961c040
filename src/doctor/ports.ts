import type { Clock } from '../host/clock.js';
import type { DockerApi, DockerInfo } from '../host/docker-api.js';
import type { DockerdProcess, FlagSource } from '../host/dockerd.js';
import type { Files } from '../host/files.js';
import type { CertsDir } from '../host/tls.js';
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
  /** Plaintext auths into regsetup's helper (`creds migrate`). */
  migrateCredentials?(): Fix;
  /** Send these registries' logins to regsetup's helper instead of an uninitialised pass. */
  avoidPass?(registries: string[]): Fix | undefined;
}

/** Everything the checks touch, so a test can hand in fakes. Paths are host paths; `files` is already under --root. */
export interface DoctorPorts {
  files: Files;
  docker: DockerApi;
  clock: Clock;
  findDockerd(): Promise<DockerdProcess | undefined>;
  flagSources(dockerd: DockerdProcess | undefined): Promise<FlagSource[]>;
  /** certs.d/<hostPort> read with moby's rules. */
  readCertsDir(hostPort: string): Promise<CertsDir>;
  /** certs.d directory names. */
  certsDirs(): Promise<string[]>;
  /** The verification suite for one target. */
  verify(target: Target): Promise<VerifyResult>;
  /** An anonymous manifest HEAD of a Docker Hub image at a mirror, as dockerd asks a mirror. Throws on network/TLS errors. */
  probeMirror(mirrorUrl: string, repo: string, tag: string): Promise<{ status: number; digest?: string }>;
  credentials(): Promise<CredentialsReport>;
  fixes: FixFactory;
}

/** What doctor learns once, before the checks, about the daemon it talks to. */
export interface DoctorState {
  ports: DoctorPorts;
  daemon: { info: DockerInfo } | { error: Error };
  dockerd?: DockerdProcess;
  /** The daemon.json the running dockerd reads (a host path). */
  daemonJsonPath: string;
  targets: Target[];
  hubImage: string;
}

export async function doctorState(ports: DoctorPorts, discover: (daemonJsonPath: string) => Promise<Target[]>, hubImage: string): Promise<DoctorState> {
  const daemon = await ports.docker.info().then(
    (info) => ({ info }),
    (error: unknown) => ({ error: error instanceof Error ? error : new Error(String(error)) }),
  );
  const dockerd = await ports.findDockerd().catch(() => undefined);
  const daemonJsonPath = dockerd?.configFile ?? '/etc/docker/daemon.json';
  return { ports, daemon, ...(dockerd ? { dockerd } : {}), daemonJsonPath, targets: await discover(daemonJsonPath), hubImage };
}

/** One of doctor's checks: it reports findings and never throws for what it finds. */
export interface Check {
  name: string;
  run(s: DoctorState): Promise<Finding[]>;
}
