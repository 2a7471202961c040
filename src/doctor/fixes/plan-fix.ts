import { applyPlan } from '../../apply/apply.js';
import { confirmDaemon, expectedFrom } from '../../apply/settle.js';
import { planJoin, actionDiff, type Plan, type ResolvedDesired } from '../../core/plan.js';
import { parseRegistry } from '../../core/registry-name.js';
import { desiredFromFlags, type DesiredState } from '../../core/desired-state.js';
import { sleep, systemClock } from '../../host/clock.js';
import { reloadDockerd } from '../../host/dockerd.js';
import { rooted } from '../../host/host-path.js';
import { processes } from '../../host/processes.js';
import { applyPorts, openHost, settleTimeoutMs, snapshotHost, type Host } from '../../join/host.js';

export interface HostIo {
  root: string;
  dockerHost: string | undefined;
  note(line: string): void;
}

/**
 * The desired state of a join that changes only what the fix is about: no mirrors (`none`),
 * and the push registry the journal already records, so the journal entry stays whole.
 */
export function fixDesired(hostPort: string, flags: { caFile?: string; caUrl?: string; caFingerprint?: string; insecure?: boolean }, journalPush?: string): DesiredState {
  return desiredFromFlags(hostPort, {
    mirror: ['none'],
    trustOnFirstUse: true,
    restart: 'reload',
    ...(flags.caFile ? { caFile: flags.caFile } : {}),
    ...(flags.caUrl ? { caUrl: flags.caUrl } : {}),
    ...(flags.caFingerprint ? { caFingerprint: flags.caFingerprint } : {}),
    ...(flags.insecure ? { insecure: true } : {}),
    ...(journalPush ? { pushRegistry: journalPush } : {}),
  });
}

/** Plans the join of `desired` against the host as it is now. */
export async function planFix(host: Host, desired: ResolvedDesired): Promise<Plan> {
  const hosts = [desired.registry, ...(desired.pushRegistry ? [desired.pushRegistry] : [])].map((r) => parseRegistry(r).hostPort);
  return planJoin(await snapshotHost(host, hosts), desired, systemClock.now());
}

/** What a plan changes, for the operator: a CA file by name (its details are shown apart), daemon.json as a diff. */
export function planPreview(plan: Plan): string[] {
  const lines: string[] = [];
  for (const action of plan.actions) {
    if (action.path.endsWith('.crt')) lines.push(`${action.kind === 'remove-file' ? 'remove' : action.before === undefined ? 'create' : 'replace'} ${action.path} (${action.reason})`);
    else lines.push(`# ${action.reason}`, ...actionDiff(action).trimEnd().split('\n').filter((l) => !/^={3,}$|^Index:/.test(l)));
  }
  if (plan.daemon !== 'none') lines.push(`dockerd: ${plan.daemon} (SIGHUP; running containers keep running), then confirm in \`docker info\``);
  lines.push(...plan.warnings.map((w) => `warning: ${w}`));
  if (lines.length === 0) lines.push('nothing to change: the host already has it');
  return lines;
}

/** Applies through join's path: journal, backup, atomic writes, reload, confirm, rollback on failure. */
export async function applyFix(host: Host, plan: Plan, note: (line: string) => void): Promise<string[]> {
  const report = await applyPlan(plan, applyPorts(host, note), { stateDir: host.stateDir, root: host.root, settleTimeoutMs: settleTimeoutMs(plan.daemon) });
  const changed = report.changes.filter((c) => c.change !== 'unchanged').map((c) => `${c.change} ${c.path}`);
  return [...changed, ...(report.daemon === 'unchanged' ? [] : [`dockerd ${report.daemon}; \`docker info\` shows the new settings`])];
}

/** SIGHUP, then poll `docker info` until it shows what daemon.json says (a refused reload is only logged by dockerd). */
export async function reloadAndConfirm(io: HostIo): Promise<string[]> {
  const host = await openHost(io);
  const text = (await rooted(host.files, host.root).readText(host.dockerd.configFile)) ?? '{}';
  const how = await reloadDockerd({ dockerd: host.dockerd, processes });
  const problem = await confirmDaemon(host.docker, expectedFrom(undefined, text), { clock: systemClock, sleep, timeoutMs: settleTimeoutMs('reload') });
  if (problem !== undefined) {
    throw new Error(`dockerd was reloaded (${how.method}) but does not use ${host.dockerd.configFile}: ${problem}. dockerd keeps its old settings when it refuses a file; its log says why ("Error reloading configuration"). A key it does not know, or one also given as a flag, is the usual reason.`);
  }
  return [`reloaded dockerd (${how.method}); \`docker info\` now shows what ${host.dockerd.configFile} says`];
}

export { openHost };
