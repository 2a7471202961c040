import type { ErrorCode } from './error-codes.js';
import { redact } from './redact.js';

export type { ErrorCode };

/** The exit codes (docs/errors.md lists which code ends with which). Stable: scripts depend on them. */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  verifyFailed: 3,
  preflightRefused: 4,
  rolledBack: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface RegsetupErrorOptions {
  hint?: string;
  cause?: unknown;
  exitCode?: ExitCode;
}

/**
 * A failure the user can act on. `code` is stable (ERR_…), `hint` says what to do.
 * Message and hint are redacted on construction so no path can leak a secret.
 */
export class RegsetupError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(code: ErrorCode, message: string, options: RegsetupErrorOptions = {}) {
    super(redact(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RegsetupError';
    this.code = code;
    this.hint = options.hint === undefined ? undefined : redact(options.hint);
    this.exitCode = options.exitCode ?? ExitCode.unexpected;
  }
}

export const usageError = (message: string, hint?: string): RegsetupError =>
  new RegsetupError('ERR_USAGE', message, { hint, exitCode: ExitCode.usage });

/**
 * A literal code must be in the catalogue (src/core/error-codes.ts); a code computed at run
 * time (a zod issue's param) arrives as `string` and is checked by the catalogue test instead.
 */
type CodeArg<C extends string> = string extends C ? C : C extends ErrorCode ? C : ErrorCode;

export const badInput = <C extends string>(code: CodeArg<C>, message: string, hint?: string): RegsetupError =>
  new RegsetupError(code as ErrorCode, message, { hint, exitCode: ExitCode.usage });

export const refused = <C extends string>(code: CodeArg<C>, message: string, hint?: string): RegsetupError =>
  new RegsetupError(code as ErrorCode, message, { hint, exitCode: ExitCode.preflightRefused });

export const isRegsetupError = (error: unknown): error is RegsetupError => error instanceof RegsetupError;
