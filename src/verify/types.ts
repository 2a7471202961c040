import type { Diagnosis } from '../core/diagnosis.js';
import type { RegistryRef } from '../core/registry-name.js';
import type { Clock } from '../host/clock.js';
import type { Credentials } from '../host/credential-lookup.js';
import type { Files } from '../host/files.js';

export interface VerifyInput {
  registry: RegistryRef;
  pushRegistry: RegistryRef;
  hubImage: string;
  pushRepo: string;
  maxClockSkewSeconds: number;
  /** Given on the command line; else looked up in the user's Docker config per registry. */
  credentials?: Credentials;
  dockerConfigDir: string;
  /** Host paths (certs.d) are resolved under this prefix. */
  root: string;
}

export interface VerifyPorts {
  /** Not rooted: steps resolve host paths under input.root themselves. */
  files: Files;
  clock: Clock;
}

/** What one step reports (the JSON of `verify --json`). */
export interface StepReport {
  name: string;
  /** The runtime session whose daemon ran the step (pulls, pushes, effective config); absent for the network steps. */
  runtime?: string;
  ok: boolean;
  skipped?: boolean;
  ms: number;
  detail?: string;
  seen?: string;
  cause?: string;
  fix?: string;
  diagnosis?: string;
}

export interface VerifyReport {
  ok: boolean;
  registry: string;
  pushRegistry: string;
  steps: StepReport[];
}

/** A step ends in one of these, or throws (failed: the error text is diagnosed). */
export type StepOutcome = { detail?: string } | { skipped: string } | { failed: Diagnosis & { seen: string } };

export interface Step<S> {
  name: string;
  /** Steps whose failure makes this one meaningless: it is then skipped, not run. */
  needs?: string[];
  run(state: S): Promise<StepOutcome>;
}
