import type { DockerInfo } from '../host/docker-api.js';
import type { VerifyState } from './state.js';
import type { Step } from './types.js';

/** What a runtime's verification steps get: the suite's shared state (endpoints, credentials, trust). */
export type RuntimeVerifyContext = VerifyState;

/** A runtime session's part of the suite. */
export interface VerifyRuntime {
  id: string;
  label: string;
  steps: Array<Step<RuntimeVerifyContext>>;
  /** dockerd's view, for the TLS step's insecure-registries rule. */
  dockerInfo?: DockerInfo;
  /** Insecure entries its files name (when its daemon cannot be asked). */
  fileInsecure?: string[];
  /** dockerd's certs.d (a rootless one's is under the user's home), for the TLS step. */
  certsDir?: string;
}
