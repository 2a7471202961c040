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

/** Where step lines and the running step's spinner go (the CLI's Output fits). */
export interface StepSink {
  note(line: string): void;
  progress(label: string): { done(ok?: boolean): void };
}

/**
 * runVerify's hooks for a terminal: the running step as a spinner with its elapsed time (a pull
 * or a restart wait of 90 s is not silence), then the step's line when it ends. Where no spinner
 * can show (a pipe, --json), only the lines.
 */
export function stepProgress(sink: StepSink): { onStart(name: string): void; onDone(step: StepReport): void } {
  let running: { done(ok?: boolean): void } | undefined;
  return {
    onStart: (name) => {
      running?.done();
      running = sink.progress(name);
    },
    onDone: (step) => {
      running?.done(step.ok);
      running = undefined;
      stepLines(step).forEach((l) => sink.note(l));
    },
  };
}
