import { during, type StartProgress } from '../core/progress.js';
import { redact } from '../core/redact.js';
import { findingKey, type Finding } from './types.js';

export interface WalkIo {
  /** Asks the operator; undefined when nobody can be asked (no TTY, --json, --yes). */
  ask?: (question: string) => Promise<boolean>;
  /** --fix --yes: apply without asking. */
  applyAll: boolean;
  note(line: string): void;
  /** Shows a fix being prepared (a CA fetch) or applied (a reload and its wait), on a terminal only. */
  progress?: StartProgress;
}

export type FixStatus = 'applied' | 'declined' | 'failed' | 'skipped';

export interface FixOutcome {
  key: string;
  title: string;
  /** The findings it answers (id@registry). */
  findings: string[];
  status: FixStatus;
  /** What changed, or why it did not. */
  detail: string[];
}

/**
 * For each fixable finding: compute the fix right before it is offered (so earlier fixes are
 * seen), show exactly what it changes, ask (or, with --fix --yes, go ahead), and apply it.
 * A fix that several findings share is offered once.
 */
export async function walkFixes(findings: Finding[], io: WalkIo): Promise<FixOutcome[]> {
  const outcomes = new Map<string, FixOutcome>();
  for (const finding of findings) {
    const fix = finding.apply;
    if (!fix) continue;
    const known = outcomes.get(fix.key);
    if (known) {
      known.findings.push(findingKey(finding));
      continue;
    }
    const outcome: FixOutcome = { key: fix.key, title: fix.title, findings: [findingKey(finding)], status: 'skipped', detail: [] };
    outcomes.set(fix.key, outcome);
    io.note('');
    io.note(`fix for ${finding.id}${finding.registry ? ` (${finding.registry})` : ''}: ${fix.title}`);
    try {
      const prepared = await during(io.progress, `preparing the fix: ${fix.title}`, () => fix.prepare());
      for (const line of prepared.preview) io.note(`    ${line}`);
      if (prepared.warning) io.note(`  warning: ${prepared.warning}`);
      if (io.ask) {
        if (!(await io.ask(`Apply this fix (${fix.title})?`))) {
          outcome.status = 'declined';
          outcome.detail.push('declined; nothing changed');
          io.note('  declined; nothing changed');
          continue;
        }
      } else if (prepared.needsOperator) {
        outcome.detail.push(prepared.needsOperator);
        io.note(`  not applied: ${prepared.needsOperator}`);
        continue;
      }
      outcome.detail = await during(io.progress, `applying the fix: ${fix.title}`, () => prepared.apply());
      outcome.status = 'applied';
      for (const line of outcome.detail) io.note(`  ${line}`);
    } catch (error) {
      outcome.status = 'failed';
      const hint = (error as { hint?: string }).hint;
      outcome.detail = [redact((error as Error).message), ...(hint ? [`hint: ${hint}`] : [])];
      for (const line of outcome.detail) io.note(`  fix failed: ${line}`);
    }
  }
  return [...outcomes.values()];
}
