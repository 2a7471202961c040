import type { caDecisionJson } from '../../preflight/ca.js';
import type { ApplyReport } from '../../apply/apply.js';
import type { planToJson } from '../../core/plan-render.js';
import type { ConvergeHost, ConvergeIo } from '../../converge/converge.js';
import { activationDone, doneLine } from '../../core/activation-words.js';
import { currentIdentity } from '../../host/access-check.js';
import { operatorLayout } from '../../host/operator-layout.js';
import { realHostPorts } from '../../runtimes/host-ports.js';
import type { CommandContext } from '../context.js';
import { askYesNo } from '../prompt.js';

// What the commands that change the host share: who answers, which host, how a result reads.

/** Who answers the plan's question: --yes, the operator on a terminal, or nobody (then it is an error). */
export function operatorIo(ctx: CommandContext): ConvergeIo {
  return {
    yes: ctx.global.yes,
    note: (line) => ctx.out.note(line),
    progress: (label) => ctx.out.progress(label),
    ...(ctx.interactive ? { confirm: (message: string) => askYesNo(message) } : {}),
  };
}

/**
 * The host a command works on, as this user sees it: root's runs keep their state in
 * /var/lib/regsetup, a rootless dockerd's user theirs in ~/.local/state/regsetup (core/state-dir.ts);
 * the permission preflight checks the same layout.
 */
export async function hostOf(ctx: CommandContext): Promise<ConvergeHost> {
  const { uid } = currentIdentity();
  const layout = await operatorLayout({ uid, env: ctx.env, dockerHost: ctx.global.dockerHost, root: ctx.global.root });
  return { ports: realHostPorts({ root: ctx.global.root, dockerHost: ctx.global.dockerHost, env: ctx.env, uid, stateDir: layout.stateDir }), stateDir: layout.stateDir };
}

/**
 * What changed, per runtime (core/activation-words.ts): `activation` as the plan said it (none |
 * reload | restart), `activated` whether it was carried out, `done` what was done (none |
 * reloaded | restarted).
 */
export function appliedJson(applied: ApplyReport) {
  const changes = applied.changes;
  const changed = changes.some((c) => c.change !== 'unchanged') || applied.runtimes.some((r) => r.activated);
  return {
    changed,
    changes,
    runtimes: applied.runtimes.map((r) => ({ ...r, done: activationDone(r.activation, r.activated), changes: changes.filter((c) => c.runtime === r.runtime) })),
  };
}

/** A plan that ran with --dry-run (plan, join --dry-run, leave --dry-run): nothing changed. */
export const plannedJson = (registry: string, plan: ReturnType<typeof planToJson>) => ({ ok: true as const, registry, dryRun: true as const, changed: false as const, plan });

/** One registry's applied join, as `join --json` reports it (before verification). */
export function joinedJson(registry: string, applied: ApplyReport, o: { credentialsChanged: boolean; clockSkewSeconds: number | null; ca: ReturnType<typeof caDecisionJson> }) {
  const files = appliedJson(applied);
  const warnings = [...applied.plan.warnings, ...applied.plan.runtimes.flatMap((r) => r.warnings)];
  return { ok: true, registry, ...files, changed: files.changed || o.credentialsChanged, clockSkewSeconds: o.clockSkewSeconds, ca: o.ca, warnings };
}

export function appliedLine(registry: string, applied: ApplyReport): string {
  const changed = applied.changes.filter((c) => c.change !== 'unchanged');
  const activated = applied.runtimes.filter((r) => r.activated).map((r) => doneLine(r.label, activationDone(r.activation, true)));
  if (changed.length === 0 && activated.length === 0) return `${registry}: already up to date`;
  return `${registry}: ${[...changed.map((c) => `${c.change} ${c.path}`), ...activated].join(', ')}`;
}

