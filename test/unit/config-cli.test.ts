import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { memfs } from 'memfs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { readPasswordFile } from '../../src/credentials/password-file.js';
import { nodeFiles } from '../../src/host/files.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'regsetup-config-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli([...argv, '--root', root], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, stdin: new PassThrough(), env: {}, isTTY: false });
  return { code, stdout, stderr };
}

describe('regsetup config validate', () => {
  it('prints FILE:LINE:COLUMN: message for each problem and exits 2', async () => {
    await writeFile(join(root, 'bad.yaml'), 'version: 1\nregistries:\n  - registry: nexus.example.com\n    mirror: [auto]\n    restart: often\n');
    const r = await cli('config', 'validate', '/bad.yaml');
    expect(r.code).toBe(2);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      '/bad.yaml:4:5: registries.0.mirror: unknown key "mirror"',
      expect.stringMatching(/^\/bad\.yaml:5:14: registries\.0\.restart: expected one of auto, reload, restart, never/),
    ]);
  });

  it('a valid file: exit 0 and its registries', async () => {
    await writeFile(join(root, 'good.yaml'), 'version: 1\nregistries:\n  - registry: nexus.example.com\n');
    const r = await cli('config', 'validate', '/good.yaml', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, registries: ['nexus.example.com'], agent: { mode: 'repair', interval: 300_000 } });
  });

  it('join --config refuses an invalid file before anything else (exit 2)', async () => {
    const r = await cli('join', '--config', '/bad.yaml', '--yes');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/bad.yaml:4:5:');
  });

  it('join without a registry and without --config is a usage error', async () => {
    expect((await cli('join', '--yes')).code).toBe(2);
  });
});

describe('credentials.passwordFile', () => {
  it.each([
    [0o600, undefined],
    [0o400, undefined],
    [0o640, 'ERR_PASSWORD_FILE_TOO_OPEN'],
    [0o604, 'ERR_PASSWORD_FILE_TOO_OPEN'],
  ])('mode %o → %s', async (mode, code) => {
    const { fs } = memfs({ '/etc/regsetup/pw': 's3cret-pw\n' });
    fs.chmodSync('/etc/regsetup/pw', mode);
    const read = readPasswordFile(nodeFiles(fs), '/etc/regsetup/pw', 'ci');
    if (code === undefined) expect(await read).toBe('s3cret-pw');
    else await expect(read).rejects.toMatchObject({ code, exitCode: 4 });
  });

  it('a missing or empty file is bad input (exit 2)', async () => {
    const { fs } = memfs({ '/empty': '\n' });
    fs.chmodSync('/empty', 0o600);
    await expect(readPasswordFile(nodeFiles(fs), '/missing', 'ci')).rejects.toMatchObject({ exitCode: 2 });
    await expect(readPasswordFile(nodeFiles(fs), '/empty', 'ci')).rejects.toMatchObject({ code: 'ERR_EMPTY_PASSWORD' });
  });
});
