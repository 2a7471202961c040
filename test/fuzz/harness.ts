import { isRegsetupError } from '../../src/core/errors.js';
import type { FuzzInput } from './generators.js';

// Runs one input through the real code and classifies what came out. The contract under test:
// a malformed input either works or is refused with a RegsetupError whose exit code is 2 or 4;
// anything else escaping (a TypeError, a RangeError from a stack overflow, exit 1 or 5) is a bug.

export interface Stats {
  inputs: number;
  accepted: number;
  refused: number;
  /** Anything but a RegsetupError that escaped. */
  exceptions: number;
  exitCodes: Record<string, number>;
  codes: Record<string, number>;
  /** Inputs that broke the contract, with what happened. */
  failures: Array<{ kind: string; how: string[]; sample: string; problem: string }>;
}

export const newStats = (): Stats => ({ inputs: 0, accepted: 0, refused: 0, exceptions: 0, exitCodes: {}, codes: {}, failures: [] });

const sample = (input: FuzzInput) => JSON.stringify(input.bytes.subarray(0, 160).toString('latin1'));

/**
 * Run fn on input; then check(refused) — what must hold afterwards (nothing written, nothing
 * stored…) — returns a problem or undefined. Records everything in stats.
 */
export async function run(
  stats: Stats,
  input: FuzzInput,
  fn: () => Promise<unknown> | unknown,
  check: (refused: boolean) => Promise<string | undefined> | string | undefined,
  allowed: readonly number[] = [2, 4],
): Promise<void> {
  stats.inputs++;
  const fail = (problem: string) => stats.failures.push({ kind: input.kind, how: input.how, sample: sample(input), problem });
  let refused = false;
  try {
    await fn();
    stats.accepted++;
  } catch (error) {
    if (!isRegsetupError(error)) {
      stats.exceptions++;
      fail(`escaped: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`.slice(0, 300));
      return;
    }
    refused = true;
    stats.refused++;
    stats.exitCodes[error.exitCode] = (stats.exitCodes[error.exitCode] ?? 0) + 1;
    stats.codes[error.code] = (stats.codes[error.code] ?? 0) + 1;
    if (!allowed.includes(error.exitCode)) fail(`exit ${error.exitCode} (${error.code}): ${error.message}`.slice(0, 300));
  }
  const problem = await check(refused);
  if (problem !== undefined) fail(problem);
}
