import { PassThrough } from 'node:stream';
import { runCli } from '../../../src/cli/main.js';

/** runCli with in-memory streams, no terminal and an empty environment unless given. */
export async function cli(argv: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}) {
  let stdout = '';
  let stderr = '';
  const stdin = new PassThrough();
  stdin.end(opts.input ?? '');
  const code = await runCli(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin,
    env: opts.env ?? {},
    isTTY: false,
  });
  return { code, stdout, stderr };
}
