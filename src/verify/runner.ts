import { diagnose, type DiagnosisContext } from '../core/diagnosis.js';
import { redact } from '../core/redact.js';
import type { Clock } from '../host/clock.js';
import type { Step, StepReport } from './types.js';

export interface RunContext {
  clock: Clock;
  registry: string;
  pushRegistry?: string;
  /** Facts the diagnosis needs beyond the error text (credentials sent, measured skew). */
  context?: () => DiagnosisContext;
  /** The runtime session a step belongs to (its report says so); undefined for the network steps. */
  runtimeOf?: (step: Step<never>) => string | undefined;
  onStart?(name: string): void;
  onDone?(report: StepReport): void;
}

/** Runs steps in order; a step whose prerequisite failed is skipped with the reason, never run blind. */
export async function runSteps<S>(steps: Step<S>[], state: S, ctx: RunContext): Promise<StepReport[]> {
  const reports: StepReport[] = [];
  const failed = new Set<string>();
  for (const step of steps) {
    ctx.onStart?.(step.name);
    const started = ctx.clock.now();
    const blocker = step.needs?.find((n) => failed.has(n));
    let report: StepReport;
    if (blocker) {
      failed.add(step.name);
      report = { name: step.name, ok: true, skipped: true, ms: 0, detail: `skipped: ${blocker} failed` };
    } else {
      report = await runOne(step, state, ctx);
      report.ms = Math.max(0, Math.round(ctx.clock.now() - started));
      if (!report.ok) failed.add(step.name);
    }
    const runtime = ctx.runtimeOf?.(step as Step<never>);
    if (runtime !== undefined) {
      const { name, ...rest } = report;
      report = { name, runtime, ...rest };
    }
    reports.push(report);
    ctx.onDone?.(report);
  }
  return reports;
}

async function runOne<S>(step: Step<S>, state: S, ctx: RunContext): Promise<StepReport> {
  const base = { name: step.name, ms: 0 };
  try {
    const outcome = await step.run(state);
    if ('skipped' in outcome) return { ...base, ok: true, skipped: true, detail: outcome.skipped };
    if ('failed' in outcome) {
      const { id, cause, fix, seen } = outcome.failed;
      return { ...base, ok: false, seen: redact(seen), cause, fix, diagnosis: id };
    }
    return { ...base, ok: true, ...(outcome.detail ? { detail: outcome.detail } : {}) };
  } catch (error) {
    const seen = redact(error instanceof Error ? error.message : String(error));
    const found = diagnose({ text: seen, registry: ctx.registry, pushRegistry: ctx.pushRegistry, step: step.name, context: ctx.context?.() ?? {} });
    return {
      ...base,
      ok: false,
      seen,
      cause: found?.cause ?? `the ${step.name} step failed: ${seen}`,
      fix: found?.fix ?? 'Run `regsetup doctor` for a full diagnosis, and check the registry and daemon logs.',
      ...(found ? { diagnosis: found.id } : {}),
    };
  }
}
