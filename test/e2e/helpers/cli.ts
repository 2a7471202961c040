import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { validateDocument } from '../../json-documents.js';
import { seaEnv, seaPath } from './sea.js';

const bin = fileURLToPath(new URL('../../../bin/regsetup', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout parsed, when the command ran with --json; it has been checked against its schema (schemas/). */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface CliOptions {
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** The command line that starts regsetup in this run's mode, for tests that spawn it themselves. */
export const regsetupCommand = (): string[] => (process.env.REGSETUP_E2E_BIN === 'sea' ? [seaPath()] : [process.execPath, bin]);

/**
 * Runs regsetup exactly as a user would (corepack's e2e style): bin/regsetup on this test's
 * Node, or with REGSETUP_E2E_BIN=sea the single executable (dist/sea), under `env -i` with
 * PATH=/usr/bin:/bin and only the variables the test passes.
 */
export async function regsetup(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const sea = process.env.REGSETUP_E2E_BIN === 'sea';
  const env = { REGSETUP_DEBUG: '', ...opts.env };
  const common = { input: opts.input ?? '', reject: false, timeout: opts.timeoutMs ?? 120_000 } as const;
  const result = sea
    ? await execa(seaPath(), args, { ...common, env: seaEnv(env), extendEnv: false })
    : await execa(process.execPath, [bin, ...args], { ...common, env });
  let json: unknown;
  if (args.includes('--json')) {
    try {
      json = JSON.parse(result.stdout);
    } catch {
      json = undefined; // killed midway, or a command that prints no document
    }
    // What an engine would check: a document that does not match the schema regsetup ships fails the test.
    if (json !== undefined) validateDocument(json);
  }
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr, json };
}
