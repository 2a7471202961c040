import type { RegistryRef } from '../core/registry-name.js';
import type { Credentials } from '../host/credential-lookup.js';
import { RegistryClient } from '../host/registry-client.js';
import type { DockerInfo } from '../host/docker-api.js';
import type { HttpTlsOptions } from '../host/http.js';
import type { CertInfo } from '../host/tls.js';
import type { VerifyInput, VerifyPorts } from './types.js';

/** How to talk to one registry the way dockerd will: scheme, trust, and whether TLS is checked. */
export interface Endpoint {
  ref: RegistryRef;
  insecure: boolean;
  baseUrl?: string;
  tls: HttpTlsOptions;
  chain?: CertInfo[];
}

/** What the steps learn and hand on to each other. */
export interface VerifyState {
  input: VerifyInput;
  ports: VerifyPorts;
  /** dockerd's view, when a Docker session takes part: it decides which registries are insecure (TLS step). */
  dockerInfo?: DockerInfo;
  /** Insecure entries the runtimes' files name, used when no daemon can be asked. */
  fileInsecure: string[];
  /** The certs.d the TLS step trusts as dockerd will (a host path; /etc/docker/certs.d unless a rootless or snap dockerd is verified). */
  certsDir?: string;
  /** host[:port] → the addresses it resolved to (insecure CIDRs are matched against them). */
  addresses: Map<string, string[]>;
  endpoints: Map<string, Endpoint>;
  credentials: Map<string, Credentials | undefined>;
  systemPems: string[];
  /** Measured by the clock step: the registry's clock minus ours. */
  clockSkewMs?: number;
}

/** The distinct registries the suite touches: pulls, and pushes when they go elsewhere. */
export const targets = (s: VerifyState): RegistryRef[] =>
  s.input.pushRegistry.hostPort === s.input.registry.hostPort ? [s.input.registry] : [s.input.registry, s.input.pushRegistry];

export function endpointOf(s: VerifyState, ref: RegistryRef): Endpoint {
  const endpoint = s.endpoints.get(ref.hostPort);
  if (!endpoint?.baseUrl) throw new Error(`no working endpoint for ${ref.hostPort}`);
  return endpoint;
}

/** The registry API client of a step: the endpoint's scheme and trust, and the credentials found for it unless anonymous. */
export function clientFor(s: VerifyState, ref: RegistryRef, options: { anonymous?: boolean } = {}): RegistryClient {
  const endpoint = endpointOf(s, ref);
  const credentials = options.anonymous ? undefined : s.credentials.get(ref.hostPort);
  return new RegistryClient({ baseUrl: endpoint.baseUrl!, tls: endpoint.tls, ...(credentials ? { credentials } : {}), now: s.ports.clock.now });
}
