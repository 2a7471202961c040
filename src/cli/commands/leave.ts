import { applyPlan } from '../../apply/apply.js';
import { ExitCode, usageError } from '../../core/errors.js';
import { isEmptyPlan, planLeave, planToJson, renderPlanDiff } from '../../core/plan.js';
import { parseRegistry } from '../../core/registry-name.js';
import { applyPorts, openHost, settleTimeoutMs, snapshotHost } from '../../join/host.js';
import type { Runner } from '../program.js';
import { joinIo } from './join.js';

/** `regsetup leave`: undo exactly what join recorded for a registry, keep what was there before, reload, confirm. */
export const run: Runner = async (ctx, [registryArg], opts) => {
  const registry = parseRegistry(registryArg!);
  const io = joinIo(ctx, { hubImage: '' });
  const host = await openHost({ root: ctx.global.root, dockerHost: ctx.global.dockerHost });
  const snapshot = await snapshotHost(host, [registry.hostPort]);
  const plan = planLeave(snapshot, registry.hostPort, Date.now());
  if (opts.dryRun) {
    ctx.out.report(renderPlanDiff(plan).trimEnd());
    ctx.out.document({ ok: true, registry: registry.hostPort, dryRun: true, plan: planToJson(plan) });
    return ExitCode.ok;
  }
  if (!isEmptyPlan(plan) && !ctx.global.yes) {
    if (!io.confirm) throw usageError('leave would change this host and needs a yes', 'Run it with --yes, or from a terminal to be asked; --dry-run shows the plan.');
    ctx.out.note(renderPlanDiff(plan));
    if (!(await io.confirm('Apply these changes?'))) throw usageError('not applied: the changes were declined');
  }
  const applied = await applyPlan(plan, applyPorts(host, io.note), { stateDir: host.stateDir, root: host.root, settleTimeoutMs: settleTimeoutMs(plan.daemon) });
  const changed = applied.changes.filter((c) => c.change !== 'unchanged');
  ctx.out.report(`${registry.hostPort}: left (${changed.map((c) => `${c.change} ${c.path}`).join(', ') || 'no file changed'}; dockerd ${applied.daemon})`);
  ctx.out.document({ ok: true, registry: registry.hostPort, changes: applied.changes, daemon: applied.daemon });
  return ExitCode.ok;
};
