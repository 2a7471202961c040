import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regsetup-creds-cli-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function cli(argv: string[], input = '') {
  let stdout = '';
  let stderr = '';
  const stdin = new PassThrough();
  stdin.end(input);
  const env = { PATH: '', HOME: dir, REGSETUP_CREDENTIALS_DIR: join(dir, 'store'), REGSETUP_CREDENTIALS_KEY_DIR: join(dir, 'key'), REGSETUP_CREDENTIALS_KEY_PROTECTION: 'file' };
  const code = await runCli(argv, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, stdin, env, isTTY: false });
  return { code, stdout, stderr };
}

const plaintext = () => JSON.stringify({ auths: { 'r.example': { auth: Buffer.from('ci:pa55word-x').toString('base64') } } });

describe('regsetup creds / login (CLI)', () => {
  it('creds migrate without a terminal and without --yes refuses (exit 2) and changes nothing', async () => {
    await writeFile(join(dir, 'config.json'), plaintext());
    const r = await cli(['creds', 'migrate', '--docker-config', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ERR_CONFIRMATION_REQUIRED');
    expect(await readFile(join(dir, 'config.json'), 'utf8')).toBe(plaintext());
  });

  it('creds migrate --yes --json moves it and prints no secret', async () => {
    await writeFile(join(dir, 'config.json'), plaintext());
    const r = await cli(['creds', 'migrate', '--yes', '--json', '--docker-config', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, moved: ['r.example'] });
    expect(r.stdout + r.stderr).not.toContain('pa55word-x');
    expect(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))).toEqual({ auths: {}, credHelpers: { 'r.example': 'regsetup' } });
  });

  it.each([
    [['creds', 'fly'], 2],
    [['login', 'r.example', '--password-stdin'], 2],
    [['login', 'r.example', '--username', 'ci'], 2],
  ])('%j exits %i', async (argv, code) => {
    expect((await cli(argv, 'pw\n')).code).toBe(code);
  });
});
