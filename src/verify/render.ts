import type { StepReport, VerifyReport } from './types.js';

const mark = (s: StepReport) => (s.skipped ? '-' : s.ok ? '✓' : '✗');

/** One line per finished step, as it finishes; failures carry what was seen, the cause and the fix. */
export function stepLines(step: StepReport): string[] {
  const head = `${mark(step)} ${step.name.padEnd(16)} ${String(step.ms).padStart(6)} ms${step.detail ? `  ${step.detail}` : ''}`;
  if (step.ok) return [head];
  return [head, `    seen:  ${step.seen ?? ''}`, `    cause: ${step.cause ?? ''}`, `    fix:   ${step.fix ?? ''}`];
}

export function summaryLine(report: VerifyReport): string {
  const failed = report.steps.filter((s) => !s.ok);
  const skipped = report.steps.filter((s) => s.skipped).length;
  const total = report.steps.reduce((sum, s) => sum + s.ms, 0);
  const tail = `${report.steps.length} steps, ${skipped} skipped, ${(total / 1000).toFixed(1)} s`;
  return failed.length === 0
    ? `verify ${report.registry}: passed (${tail})`
    : `verify ${report.registry}: FAILED at ${failed.map((s) => s.name).join(', ')} (${tail})`;
}
