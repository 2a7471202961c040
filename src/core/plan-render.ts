import { createTwoFilesPatch } from 'diff';
import type { Action, Plan } from './plan-types.js';

// What `plan` / `join --dry-run` print: a unified diff of every file, then the daemon action.

const daemonLines: Record<Plan['daemon'], string> = {
  reload: 'dockerd: reload (SIGHUP; running containers keep running)',
  restart: 'dockerd: restart',
  none: 'dockerd: no signal',
};

export function actionDiff(action: Action): string {
  const before = action.before;
  const after = action.kind === 'write-file' ? action.after : undefined;
  return createTwoFilesPatch(
    before === undefined ? '/dev/null' : action.path,
    after === undefined ? '/dev/null' : action.path,
    before ?? '',
    after ?? '',
    undefined,
    undefined,
    { context: 3 },
  );
}

export function renderPlanDiff(plan: Plan): string {
  if (plan.actions.length === 0 && plan.daemon === 'none') {
    const note = plan.journal?.op === 'forget' ? ` (regsetup forgets ${plan.registry})` : '';
    return [`${plan.registry}: already up to date${note}.`, ...plan.warnings.map((w) => `warning: ${w}`)].join('\n') + '\n';
  }
  const parts = plan.actions.map((action) => `# ${action.reason}\n${actionDiff(action)}`);
  parts.push(daemonLines[plan.daemon]);
  parts.push(...(plan.cleanup ?? []).map((c) => `then, once dockerd shows it: remove ${c.path} (${c.reason})`));
  parts.push(...plan.warnings.map((w) => `warning: ${w}`));
  return `${parts.join('\n')}\n`;
}

const octal = (mode: number) => `0${mode.toString(8).padStart(3, '0')}`;

/** The plan as one JSON-ready object (for `plan --json`, `join --dry-run --json`, the agent's log). */
export function planToJson(plan: Plan): Record<string, unknown> {
  return {
    operation: plan.operation,
    registry: plan.registry,
    upToDate: plan.actions.length === 0 && plan.daemon === 'none',
    actions: plan.actions.map((action) => ({
      kind: action.kind,
      path: action.path,
      reason: action.reason,
      change: action.kind === 'remove-file' ? 'removed' : action.before === undefined ? 'created' : 'modified',
      ...(action.kind === 'write-file' ? { mode: octal(action.mode) } : {}),
      diff: actionDiff(action),
    })),
    unchanged: plan.unchanged,
    daemon: plan.daemon,
    warnings: plan.warnings,
    ...(plan.cleanup === undefined ? {} : { cleanup: plan.cleanup.map(({ path, reason }) => ({ path, reason })) }),
    ...(plan.journal === undefined ? {} : { journal: plan.journal }),
  };
}
