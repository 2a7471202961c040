import { createTwoFilesPatch } from 'diff';
import { plannedLine } from './activation-words.js';
import { readable, type FileAction, type Plan, type RuntimePlan } from './plan-types.js';

// What `plan` / `join --dry-run` print: a unified diff of every file, runtime by runtime, then how
// each runtime learns of it. The same words go to the JSON (`activation`: none | reload | restart;
// core/activation-words.ts).

const activationLine = (r: RuntimePlan): string => plannedLine(r.label, r.activation, r.activationDetail);

export function actionDiff(action: FileAction): string {
  const shown = action.kind === 'write-file' ? action.shown : undefined;
  if (action.secret && shown === undefined) return `--- ${action.path}\n+++ ${action.path}\n(contents not shown: the file holds a secret)\n`;
  // A secret file with a masked rendering shows that: the change, never the secret.
  const before = shown ? shown.before : readable(action.before, action.encoding);
  const after = shown ? shown.after : action.kind === 'write-file' ? readable(action.after, action.encoding) : undefined;
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

const upToDate = (plan: Plan) => plan.runtimes.every((r) => r.actions.length === 0 && r.activation === 'none');

export function renderPlanDiff(plan: Plan): string {
  const warnings = [...plan.warnings, ...plan.runtimes.flatMap((r) => r.warnings)].map((w) => `warning: ${w}`);
  if (upToDate(plan)) {
    const note = plan.journal?.op === 'forget' ? ` (regsetup forgets ${plan.registry})` : '';
    return [`${plan.registry}: already up to date${note}.`, ...warnings].join('\n') + '\n';
  }
  const parts: string[] = [];
  for (const r of plan.runtimes) {
    parts.push(...r.actions.map((action) => `# ${r.label}: ${action.reason}\n${actionDiff(action)}`));
    parts.push(activationLine(r));
    parts.push(...(r.cleanup ?? []).map((c) => `then, once ${r.label} shows it: remove ${c.path} (${c.reason})`));
  }
  parts.push(...warnings);
  return `${parts.join('\n')}\n`;
}

const octal = (mode: number) => `0${mode.toString(8).padStart(3, '0')}`;

const actionJson = (runtime: string) => (action: FileAction) => ({
  runtime,
  kind: action.kind,
  path: action.path,
  reason: action.reason,
  change: (action.kind === 'remove-file' ? 'removed' : action.before === undefined ? 'created' : 'modified') as 'created' | 'modified' | 'removed',
  ...(action.kind === 'write-file' ? { mode: octal(action.mode) } : {}),
  diff: actionDiff(action),
});

/** The plan as one JSON-ready object (for `plan --json`, `join --dry-run --json`, the agent's log). */
export function planToJson(plan: Plan) {
  return {
    operation: plan.operation,
    registry: plan.registry,
    upToDate: upToDate(plan),
    runtimes: plan.runtimes.map((r) => ({
      runtime: r.runtime,
      kind: r.kind,
      label: r.label,
      activation: r.activation,
      actions: r.actions.map(actionJson(r.runtime)),
      unchanged: r.unchanged,
      warnings: r.warnings,
      ...(r.cleanup === undefined ? {} : { cleanup: r.cleanup.map(({ path, reason }) => ({ path, reason })) }),
    })),
    actions: plan.runtimes.flatMap((r) => r.actions.map(actionJson(r.runtime))),
    unchanged: plan.runtimes.flatMap((r) => r.unchanged),
    warnings: [...plan.warnings, ...plan.runtimes.flatMap((r) => r.warnings)],
    ...(plan.journal === undefined ? {} : { journal: plan.journal }),
  };
}
