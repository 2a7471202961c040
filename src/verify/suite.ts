import { parseDaemonJson } from '../core/daemon-json.js';
import { systemCaPems } from '../host/tls.js';
import { runSteps } from './runner.js';
import type { VerifyState } from './state.js';
import { clock } from './steps/clock.js';
import { daemonConfig } from './steps/daemon-config.js';
import { mirrorPull, registryPull } from './steps/daemon-pull.js';
import { reachability, tls } from './steps/network.js';
import { pushRoundtrip } from './steps/push-roundtrip.js';
import { pushAccess, registryApi } from './steps/registry-api.js';
import type { StepReport, VerifyInput, VerifyPorts, VerifyReport } from './types.js';

export const verifySteps = [reachability, tls, clock, registryApi, pushAccess, mirrorPull, registryPull, pushRoundtrip, daemonConfig];

export interface VerifyResult {
  report: VerifyReport;
  clockSkewMs?: number;
}

async function fileInsecureEntries(ports: VerifyPorts, path: string): Promise<string[]> {
  try {
    const file = parseDaemonJson((await ports.files.readText(path)) ?? '', path);
    return Array.isArray(file['insecure-registries']) ? (file['insecure-registries'] as string[]) : [];
  } catch {
    return []; // the daemon-config step reports a malformed file
  }
}

/** The verification suite: every step, in order, each with its timing and, on failure, cause and fix. */
export async function runVerify(
  input: VerifyInput,
  ports: VerifyPorts,
  progress: { onStart?(name: string): void; onDone?(step: StepReport): void } = {},
): Promise<VerifyResult> {
  const state: VerifyState = {
    input,
    ports,
    daemon: await ports.docker.info().then(
      (info) => ({ info }),
      (error: unknown) => ({ error }),
    ),
    fileInsecure: await fileInsecureEntries(ports, input.daemonJsonPath),
    addresses: new Map(),
    endpoints: new Map(),
    credentials: new Map(),
    systemPems: await systemCaPems({ root: input.root === '/' ? '' : input.root }),
  };
  const steps = await runSteps(verifySteps, state, {
    clock: ports.clock,
    registry: input.registry.hostPort,
    pushRegistry: input.pushRegistry.hostPort,
    context: () => ({
      hadCredentials: [...state.credentials.values()].some(Boolean),
      ...(state.clockSkewMs === undefined ? {} : { clockSkewMs: state.clockSkewMs, maxSkewSeconds: input.maxClockSkewSeconds }),
    }),
    ...progress,
  });
  const report: VerifyReport = {
    ok: steps.every((s) => s.ok),
    registry: input.registry.hostPort,
    pushRegistry: input.pushRegistry.hostPort,
    steps,
  };
  return { report, ...(state.clockSkewMs === undefined ? {} : { clockSkewMs: state.clockSkewMs }) };
}
