import { redact } from '../core/redact.js';
import { certsCheck } from './checks/certs-d.js';
import { containerdCheck } from './checks/containerd.js';
import { containersCheck } from './checks/containers.js';
import { credentialsCheck } from './checks/credentials.js';
import { daemonJsonCheck } from './checks/daemon-json.js';
import { dockerStoreCheck } from './checks/docker-store.js';
import { dockerdCheck } from './checks/dockerd.js';
import { k3sRegistriesCheck } from './checks/k3s-registries.js';
import { mirrorsCheck } from './checks/mirrors.js';
import { verifyCheck } from './checks/verify.js';
import type { Check, DoctorState } from './ports.js';
import { findingKey, type Finding } from './types.js';

/** In order; every check runs, whatever the ones before it found. */
export const doctorChecks: Check[] = [dockerdCheck, daemonJsonCheck, certsCheck, dockerStoreCheck, containerdCheck, containersCheck, k3sRegistriesCheck, verifyCheck, credentialsCheck, mirrorsCheck];

export interface CheckProgress {
  onStart?(check: string): void;
  onDone?(check: string, findings: Finding[], ms: number): void;
}

/** Runs the checks; a finding already reported (same id, same registry) by an earlier check is not repeated. */
export async function runChecks(s: DoctorState, checks: Check[] = doctorChecks, progress: CheckProgress = {}): Promise<Finding[]> {
  const found: Finding[] = [];
  for (const check of checks) {
    progress.onStart?.(check.name);
    const started = s.ports.clock.now();
    let list: Finding[];
    try {
      list = await check.run(s);
    } catch (error) {
      list = [
        {
          id: 'check-failed',
          severity: 'error',
          seen: redact(error instanceof Error ? error.message : String(error)),
          cause: `doctor could not finish its ${check.name} check.`,
          fix: 'Run it again with REGSETUP_DEBUG=1; if it keeps failing, report it with that output.',
          fixable: false,
          check: check.name,
        },
      ];
    }
    const fresh = list.filter((f) => !found.some((g) => findingKey(g) === findingKey(f)));
    found.push(...fresh);
    progress.onDone?.(check.name, fresh, Math.round(s.ports.clock.now() - started));
  }
  return found;
}

/** The checks that found something: the ones to run again after fixing. */
export const checksOf = (findings: Finding[], checks: Check[] = doctorChecks): Check[] => checks.filter((c) => findings.some((f) => f.check === c.name));
