import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, stdin: new PassThrough(), env: {}, isTTY: false });
  return { code, stdout, stderr };
}

describe('regsetup doctor (CLI)', () => {
  it.each([
    [['doctor', '--username', 'ci'], 2],
    [['doctor', '--push-registry', 'h.example.com'], 2],
    [['doctor', 'r.example', '--password', 'hunter22'], 2],
    [['doctor', 'r.example', '--ca-fingerprint', 'sha1:abc'], 2],
  ])('%j exits %i', async (argv, expected) => {
    expect((await cli(...argv)).code).toBe(expected);
  });

  it('documents the fix flags in --help', async () => {
    const { stdout } = await cli('doctor', '--help');
    for (const flag of ['--fix', '--ca-url', '--ca-file', '--ca-fingerprint', '--trust-on-first-use', '--push-registry']) expect(stdout).toContain(flag);
  });
});
