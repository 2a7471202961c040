import type { DockerInfo } from '../host/docker-api.js';
import type { VerifyState } from './state.js';
import type { Step } from './types.js';

/** What a runtime's verification steps get: the suite's shared state (endpoints, credentials, trust). */
export type RuntimeVerifyContext = VerifyState;

/** What a runtime tells the network steps (TLS trust and insecure rules as that runtime applies them). */
export interface VerifyFacts {
  dockerInfo?: DockerInfo;
  fileInsecure?: string[];
  certsDirs?: string[];
}

/** A runtime session's part of the suite. */
export interface VerifyRuntime {
  id: string;
  label: string;
  steps: Array<Step<RuntimeVerifyContext>>;
  /** dockerd's view, for the TLS step's insecure-registries rule. */
  dockerInfo?: DockerInfo;
  /** Insecure entries its files name (when its daemon cannot be asked). */
  fileInsecure?: string[];
  /** certs.d trees (host paths) whose <host[:port]>/ CAs it trusts, besides Docker's /etc/docker/certs.d. */
  certsDirs?: string[];
}
