import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/regsetup', import.meta.url));

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout parsed, when the command ran with --json. */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Runs bin/regsetup exactly as a user would (corepack's e2e style), on this test's Node. */
export async function regsetup(args: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  const result = await execa(process.execPath, [bin, ...args], {
    input: opts.input ?? '',
    env: { REGSETUP_DEBUG: '', ...opts.env },
    reject: false,
    timeout: opts.timeoutMs ?? 120_000,
  });
  let json: unknown;
  if (args.includes('--json')) {
    try {
      json = JSON.parse(result.stdout);
    } catch {
      json = undefined;
    }
  }
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr, json };
}
