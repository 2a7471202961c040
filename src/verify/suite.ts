import { systemCaPems } from '../host/tls.js';
import type { VerifyRuntime } from './runtime-context.js';
import { runSteps } from './runner.js';
import type { VerifyState } from './state.js';
import { clock } from './steps/clock.js';
import { reachability, tls } from './steps/network.js';
import { pushAccess, registryApi } from './steps/registry-api.js';
import type { Step, StepReport, VerifyInput, VerifyPorts, VerifyReport } from './types.js';

/** The runtime-neutral steps: the registry as any runtime will reach it (network, TLS, clock, auth, push access). */
export const networkSteps: Array<Step<VerifyState>> = [reachability, tls, clock, registryApi, pushAccess];

export interface VerifyResult {
  report: VerifyReport;
  clockSkewMs?: number;
}

/**
 * The verification suite: the network steps once, then every runtime's own steps (pulls through its
 * daemon, the push round trip, its effective config), each with its timing and, on failure, cause and fix.
 */
export async function runVerify(
  input: VerifyInput,
  ports: VerifyPorts,
  runtimes: readonly VerifyRuntime[],
  progress: { onStart?(name: string): void; onDone?(step: StepReport): void } = {},
): Promise<VerifyResult> {
  const docker = runtimes.find((r) => r.dockerInfo !== undefined);
  // The TLS step trusts what the runtimes verified will: their certs.d trees (a rootless user's dockerd: the one in their home).
  const certsDirs = [...new Set(runtimes.flatMap((r) => r.certsDirs ?? []))];
  const state: VerifyState = {
    input,
    ports,
    ...(docker?.dockerInfo ? { dockerInfo: docker.dockerInfo } : {}),
    fileInsecure: runtimes.flatMap((r) => r.fileInsecure ?? []),
    certsDirs: certsDirs.length > 0 ? certsDirs : ['/etc/docker/certs.d'],
    addresses: new Map(),
    endpoints: new Map(),
    credentials: new Map(),
    systemPems: await systemCaPems({ root: input.root === '/' ? '' : input.root }),
  };
  // One list: a runtime step may need a network step (registry-pull needs registry-api).
  const tagged = new Map<Step<VerifyState>, string>();
  const steps = [...networkSteps];
  for (const r of runtimes) {
    for (const step of r.steps) {
      tagged.set(step, r.id);
      steps.push(step);
    }
  }
  const reports = await runSteps(steps, state, {
    clock: ports.clock,
    registry: input.registry.hostPort,
    pushRegistry: input.pushRegistry.hostPort,
    context: () => ({
      hadCredentials: [...state.credentials.values()].some(Boolean),
      ...(state.clockSkewMs === undefined ? {} : { clockSkewMs: state.clockSkewMs, maxSkewSeconds: input.maxClockSkewSeconds }),
    }),
    runtimeOf: (step) => tagged.get(step),
    ...progress,
  });
  const report: VerifyReport = {
    ok: reports.every((s) => s.ok),
    registry: input.registry.hostPort,
    pushRegistry: input.pushRegistry.hostPort,
    steps: reports,
  };
  return { report, ...(state.clockSkewMs === undefined ? {} : { clockSkewMs: state.clockSkewMs }) };
}
