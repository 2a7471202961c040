import { systemClock } from '../host/clock.js';
import { dockerApi } from '../host/docker-api.js';
import { findDockerd, flagSources } from '../host/dockerd.js';
import { nodeFiles } from '../host/files.js';
import { resolveHostPath, rooted } from '../host/host-path.js';
import { certsDirCas, systemCaPems } from '../host/tls.js';
import { CERTS_DIR } from '../runtimes/docker/session.js';
import { probeMirror } from '../verify/mirror-probe.js';
import { runVerify } from '../verify/suite.js';
import type { VerifyRuntime } from '../verify/runtime-context.js';
import type { VerifyInput, VerifyPorts } from '../verify/types.js';
import type { CredentialsReport } from './credentials-report.js';
import type { DoctorPorts, FixFactory } from './ports.js';
import type { Target } from './types.js';

export interface RealPortsOptions {
  root: string;
  dockerHost: string | undefined;
  fixes: FixFactory;
  credentials(): Promise<CredentialsReport>;
  /** The verification suite's input and ports for one target (verify's own setup). */
  verifySetup(target: Target): Promise<{ input: VerifyInput; ports: VerifyPorts; runtimes: VerifyRuntime[] }>;
}

/** The host, as doctor's checks see it. */
export function realDoctorPorts(o: RealPortsOptions): DoctorPorts {
  const hostFiles = nodeFiles();
  const files = rooted(hostFiles, o.root);
  const certsRoot = resolveHostPath(o.root, CERTS_DIR);
  const pems = systemCaPems({ root: o.root === '/' ? '' : o.root });
  return {
    files,
    docker: dockerApi({ dockerHost: o.dockerHost }),
    clock: systemClock,
    findDockerd: () => findDockerd({ files: hostFiles, root: o.root }),
    flagSources: (dockerd) => flagSources({ files: hostFiles, ...(dockerd ? { dockerd } : {}), root: o.root }),
    readCertsDir: (hostPort) => certsDirCas(certsRoot, hostPort),
    certsDirs: () => files.readdir(CERTS_DIR),
    verify: async (target) => {
      const { input, ports, runtimes } = await o.verifySetup(target);
      return runVerify(input, ports, runtimes);
    },
    probeMirror: async (mirror, repo, tag) => probeMirror({ certsRoot, systemPems: await pems, now: systemClock.now }, mirror, repo, tag),
    credentials: o.credentials,
    fixes: o.fixes,
  };
}
