import { ExitCode, RegsetupError, isRegsetupError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import type { ErrorDocument } from './documents/error-document.js';
import { SCHEMA_VERSION } from './documents/schema-version.js';
import type { Output } from './output.js';

/** The one place that maps a failure to an exit code (docker/cli's getExitCode). */
export function exitCodeFor(error: unknown): ExitCode {
  return isRegsetupError(error) ? error.exitCode : ExitCode.unexpected;
}

/** Where bugs go: the same address as package.json's `bugs` (a test keeps them equal). */
export const ISSUES_URL = 'https://github.com/regsetup/regsetup/issues';

const bugHint =
  `This looks like a bug in regsetup. Please report it at ${ISSUES_URL} with the command you ran, ` +
  '`regsetup --version`, and the output of the same command with REGSETUP_DEBUG=1.';

/** The --json document of an error (schemas/error.schema.json). */
export const errorJson = (command: string | undefined, changed: boolean, error: { code: string; message: string; hint: string | null }): ErrorDocument => ({
  schemaVersion: SCHEMA_VERSION,
  command: command ?? null,
  changed,
  ok: false,
  error,
});

/** Prints an error the way the user asked for (human or JSON) and returns its exit code. */
export function renderError(error: unknown, out: Output): ExitCode {
  const known = isRegsetupError(error)
    ? error
    : new RegsetupError('ERR_UNEXPECTED', error instanceof Error ? error.message : String(error), { hint: bugHint });
  if (out.json) out.document(errorJson(out.command, out.changed, { code: known.code, message: known.message, hint: known.hint ?? null }));
  out.note(`regsetup: error ${known.code}: ${known.message}`);
  if (known.hint) out.note(`  hint: ${known.hint}`);
  if (process.env.REGSETUP_DEBUG && error instanceof Error && error.stack) out.note(redact(error.stack));
  return exitCodeFor(error);
}
