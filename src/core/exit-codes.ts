import { ExitCode } from './errors.js';

/** What each exit code means, whatever the command: README, --help and docs/errors.md print this. */
export const exitCodeMeanings: Record<ExitCode, string> = {
  [ExitCode.ok]: 'done (or nothing to do)',
  [ExitCode.unexpected]: 'unexpected failure (a bug: the message says how to report it)',
  [ExitCode.usage]: 'bad usage or bad input',
  [ExitCode.verifyFailed]: 'verification failed',
  [ExitCode.preflightRefused]: 'preflight refused, nothing changed',
  [ExitCode.rolledBack]: 'apply failed and was rolled back',
};
