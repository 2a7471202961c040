import { redact } from '../../core/redact.js';
import type { StepReport } from '../../verify/types.js';
import { fixFor } from '../fix-for.js';
import type { Check, DoctorState } from '../ports.js';
import type { Finding, Target } from '../types.js';

// Findings about the daemon itself, whichever registry's step ran into them: reported once.
const DAEMON_WIDE = new Set(['daemon-unreachable', 'daemon-permission-denied', 'daemon-not-reloaded']);
const PUSH_STEPS = new Set(['push-access', 'push-roundtrip']);
const PUSH_IDS = new Set(['push-credentials-missing', 'push-not-permitted', 'push-refused-by-group', 'push-unauthorized-behind-proxy']);
// Anonymous pull works without them: pushing needs a login, which is worth saying but is not a fault.
const WARNINGS = new Set(['push-credentials-missing']);

/** The host[:port] the failure names (the push endpoint, when it is not the registry). */
const failingHost = (step: StepReport, t: Target): string =>
  [t.pushRegistry.hostPort, t.registry.hostPort].find((hp) => hp !== t.registry.hostPort && (step.seen ?? '').includes(hp)) ?? t.registry.hostPort;

export function stepFinding(step: StepReport, t: Target, s: DoctorState): Finding | undefined {
  const id = step.diagnosis ?? `${step.name}-failed`;
  // The mirrors check probes each mirror by name; verify's summary of those probes would only repeat
  // it, under the wrong registry. A pull that failed after a mirror answered stays: the daemon's.
  if (step.name === 'mirror-pull' && (id === 'mirror-not-serving' || /^no mirror served/.test(step.seen ?? ''))) return undefined;
  // A registry seen only as a mirror or a certs.d directory serves pulls: refusing pushes is its job.
  if (!t.push && (PUSH_STEPS.has(step.name) || PUSH_IDS.has(id))) return undefined;
  const daemonWide = DAEMON_WIDE.has(id) || step.name === 'daemon-config' || step.name === 'mirror-pull';
  const hostPort = daemonWide ? undefined : failingHost(step, t);
  const apply = daemonWide && !s.dockerd ? undefined : fixFor(id, hostPort, s.ports.fixes);
  return {
    id,
    severity: WARNINGS.has(id) ? 'warning' : 'error',
    ...(hostPort === undefined ? {} : { registry: hostPort }),
    seen: step.seen ?? '',
    cause: step.cause ?? `the ${step.name} step failed`,
    fix: step.fix ?? '',
    fixable: apply !== undefined,
    check: 'verify',
    ...(apply ? { apply } : {}),
  };
}

/** 4. The verification suite for each registry: network, TLS, clock, auth, mirror, pull and push. */
export const verifyCheck: Check = {
  name: 'verify',
  async run(s: DoctorState): Promise<Finding[]> {
    const found: Finding[] = [];
    for (const target of s.targets) {
      try {
        const { report } = await s.ports.verify(target);
        for (const step of report.steps.filter((x) => !x.ok)) {
          const f = stepFinding(step, target, s);
          if (f) found.push(f);
        }
      } catch (error) {
        found.push({
          id: 'verify-failed',
          severity: 'error',
          registry: target.registry.hostPort,
          seen: redact((error as Error).message),
          cause: `The verification of ${target.registry.hostPort} could not run.`,
          fix: `Run \`regsetup verify ${target.registry.hostPort}\` for details.`,
          fixable: false,
          check: 'verify',
        });
      }
    }
    return found;
  },
};
