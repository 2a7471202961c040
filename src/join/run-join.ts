import { applyPlan, type ApplyReport } from '../apply/apply.js';
import type { DesiredState } from '../core/desired-state.js';
import { parseRegistry } from '../core/registry-name.js';
import { isEmptyPlan, planJoin, renderPlanDiff, type Plan } from '../core/plan.js';
import { refused, usageError } from '../core/errors.js';
import { systemClock } from '../host/clock.js';
import { validateConfig } from '../host/dockerd.js';
import { processes } from '../host/processes.js';
import { systemCaPems } from '../host/tls.js';
import { resolveCa } from './ca.js';
import { applyPorts, openHost, settleTimeoutMs, snapshotHost, type Host } from './host.js';
import { checkClock, checkCredentials, reachFor, resolveMirrors } from './preflight.js';

export interface JoinIo {
  root: string;
  dockerHost: string | undefined;
  hubImage: string;
  note(line: string): void;
  /** Asks the operator; undefined without a TTY (or with --yes / --json). */
  confirm?: (question: string) => Promise<boolean>;
  yes: boolean;
}

export interface Prepared {
  host: Host;
  plan: Plan;
  clockSkewMs?: number;
}

/** Preflight and plan: every check before the first write. Refusals (exit 4) leave the host untouched. */
export async function prepareJoin(desired: DesiredState, io: JoinIo, credentials?: { username: string; password: string }, pushRepo = 'regsetup/verify'): Promise<Prepared> {
  const now = systemClock.now;
  const registry = parseRegistry(desired.registry);
  const push = desired.pushRegistry ? parseRegistry(desired.pushRegistry) : undefined;
  const host = await openHost({ root: io.root, dockerHost: io.dockerHost });
  const systemPems = await systemCaPems({ root: io.root === '/' ? '' : io.root });
  const caPorts = { files: host.files, now, systemPems, note: io.note, ...(io.confirm ? { confirm: io.confirm } : {}) };
  const ca = await resolveCa(desired, registry, caPorts);
  const trusted = [...systemPems, ...(ca.pem ? [ca.pem] : [])];
  const reach = await reachFor(registry, desired.insecure, trusted, now);
  const clockSkewMs = await checkClock(registry, reach, desired, now);
  const pushReach = push ? await reachFor(push, desired.insecure, trusted, now) : reach;
  if (push) await checkClock(push, pushReach, desired, now);
  if (credentials) {
    await checkCredentials(registry, reach, credentials, pushRepo, now);
    if (push) await checkCredentials(push, pushReach, credentials, pushRepo, now);
  }
  const mirrors = await resolveMirrors(desired, reach, io.hubImage, now);
  if (mirrors.note) io.note(mirrors.note);

  const snapshot = await snapshotHost(host, [registry.hostPort, ...(push ? [push.hostPort] : [])]);
  const plan = planJoin(snapshot, { ...desired, mirrors: mirrors.mirrors, ...(ca.pem ? { caPem: ca.pem, caFingerprint: ca.info!.fingerprint256 } : {}) }, now());
  await validateWithDockerd(plan, snapshot.dockerd.supportsValidate, host);
  return { host, plan, ...(clockSkewMs === undefined ? {} : { clockSkewMs }) };
}

/** dockerd ≥ 23 can check a config file itself; older ones (Debian 12's 20.10) rely on our schema and the confirm step. */
async function validateWithDockerd(plan: Plan, supported: boolean, host: Host): Promise<void> {
  const write = plan.actions.find((a) => a.kind === 'write-file' && a.path === plan.daemonJsonPath);
  if (!supported || write?.kind !== 'write-file') return;
  const tmp = `${host.stateDir}/validate-daemon.json`;
  await host.files.mkdirp(host.stateDir, 0o700);
  await host.files.writeAtomic(tmp, write.after, { mode: 0o600 });
  const result = await validateConfig(processes, tmp).finally(() => host.files.remove(tmp));
  if (result.supported && result.ok === false) {
    throw refused('ERR_DAEMON_JSON_REJECTED', `dockerd --validate refuses the merged daemon.json: ${result.output ?? ''}`, 'Nothing was changed.');
  }
}

/**
 * A plan that changes something needs a yes: --yes, or the operator's answer after seeing the
 * diff. Without a terminal to ask, that is a usage error, never a hang. Then apply it (backup,
 * reload, confirmation in `docker info`; rollback is inside apply).
 */
export async function confirmAndApply(plan: Plan, host: Host, io: Pick<JoinIo, 'yes' | 'confirm' | 'note'>): Promise<ApplyReport> {
  if (!isEmptyPlan(plan) && !io.yes) {
    if (!io.confirm) throw usageError(`${plan.operation} would change this host and needs a yes`, 'Run it with --yes (bootstrap scripts), or from a terminal to be asked; --dry-run shows the plan.');
    io.note(renderPlanDiff(plan));
    if (!(await io.confirm('Apply these changes?'))) throw usageError('not applied: the changes were declined');
  }
  for (const warning of plan.warnings) io.note(`warning: ${warning}`);
  return applyPlan(plan, applyPorts(host, io.note), { stateDir: host.stateDir, root: host.root, settleTimeoutMs: settleTimeoutMs(plan.daemon) });
}

