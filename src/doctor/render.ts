import { findingKey, isProblem, type Finding } from './types.js';

const mark = (f: Finding) => (f.severity === 'error' ? '✗' : f.severity === 'warning' ? '!' : 'i');

/** A finding as the operator reads it: what was seen, why, and what to do. */
export function findingLines(f: Finding): string[] {
  return [
    `${mark(f)} ${f.severity.padEnd(7)} ${f.id}${f.registry ? `  ${f.registry}` : ''}`,
    `    seen:  ${f.seen}`,
    `    cause: ${f.cause}`,
    `    fix:   ${f.fix}${f.fixable ? ' (doctor can do this)' : ''}`,
  ];
}

export function summaryLine(findings: Finding[]): string {
  const errors = findings.filter(isProblem).length;
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  if (findings.length === 0) return 'doctor: no problems found';
  return `doctor: ${errors} problem${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
}

export interface Change {
  id: string;
  registry?: string;
  before: string;
  after: string;
}

/** Before → after for every finding of the first run, and the new ones the re-check found. */
export function compareFindings(before: Finding[], after: Finding[]): Change[] {
  const afterKeys = new Map(after.map((f) => [findingKey(f), f]));
  const beforeKeys = new Set(before.map(findingKey));
  const label = (f: Finding | undefined) => (f === undefined ? 'ok' : f.severity);
  return [
    ...before.map((f) => ({ id: f.id, ...(f.registry ? { registry: f.registry } : {}), before: f.severity, after: label(afterKeys.get(findingKey(f))) })),
    ...after.filter((f) => !beforeKeys.has(findingKey(f))).map((f) => ({ id: f.id, ...(f.registry ? { registry: f.registry } : {}), before: 'ok', after: f.severity })),
  ];
}

export const changeLine = (c: Change): string => `  ${c.before.padEnd(7)} → ${c.after.padEnd(7)} ${c.id}${c.registry ? `  ${c.registry}` : ''}`;
