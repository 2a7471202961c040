import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { jsonDocument } from '../json-documents.js';

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: new PassThrough(),
    env: {},
    isTTY: false,
  });
  return { code, stdout, stderr };
}

describe('regsetup CLI', () => {
  it.each([
    [['--version'], 0],
    [['--help'], 0],
    [['join', '--help'], 0],
    [[], 2],
    [['bogus'], 2],
    [['join'], 2],
    [['verify', 'r.example', '--frobnicate'], 2],
    [['login', 'r.example', '--password', 'hunter22'], 2],
    [['agent', 'bogus'], 2],
    [['agent', '--root', '/nonexistent-regsetup-test-root'], 2],
    [['config', 'validate', '/nonexistent/regsetup.yaml'], 2],
  ])('%j exits %i', async (argv, expected) => {
    expect((await cli(...argv)).code).toBe(expected);
  });

  it.each([['--version'], ['-V'], ['--json', '--version'], ['--version', '--yes']])(
    '%j prints the package version alone (the short path and commander agree)',
    async (...argv) => {
      const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
      expect(await cli(...argv)).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    },
  );

  it('prints a one-line usage error with a pointer to --help', async () => {
    const { stderr } = await cli('verify');
    expect(stderr).toBe("regsetup: missing required argument 'registry'\nSee 'regsetup verify --help'.\n");
  });

  it('documents the exit codes in --help', async () => {
    const { stdout } = await cli('--help');
    expect(stdout).toContain('4  preflight refused, nothing changed');
  });

  it('puts exactly one JSON document on stdout under --json', async () => {
    const { stdout, stderr } = await cli('agent', '--root', '/nonexistent-regsetup-test-root', '--json');
    expect(jsonDocument(stdout)).toEqual({
      schemaVersion: 1,
      command: 'agent',
      changed: false,
      ok: false,
      error: { code: 'ERR_CONFIG_MISSING', message: expect.stringContaining('regsetup.yaml'), hint: expect.any(String) },
    });
    expect(stderr).toContain('ERR_CONFIG_MISSING');
  });

  it('never echoes a password given on the command line', async () => {
    const { stdout, stderr } = await cli('login', 'r.example', '--password', 'hunter22', '--json');
    expect(stdout + stderr).not.toContain('hunter22');
    expect(jsonDocument(stdout).error.hint).toContain('--password-stdin');
  });

  it.each([
    [['verify', 'ci:hunter22-secret@nexus.example.com']],
    [['verify', 'https://ci:hunter22-secret@nexus.example.com']],
    [['verify', 'nexus\u001b[2J\u001b]0;owned\u0007.example.com']],
    [['verify', 'ci:hunter22-secret@nexus.example.com', '--json']],
    [['--\u001b[31mbogus']],
  ])('%j: a usage error that echoes neither a password nor a control sequence', async (argv) => {
    const { code, stdout, stderr } = await cli(...argv);
    expect(code).toBe(2);
    for (const text of [stdout, stderr]) {
      expect(text).not.toContain('hunter22-secret');
      // eslint-disable-next-line no-control-regex -- raw control characters are what must not be there
      expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    }
  });
});
