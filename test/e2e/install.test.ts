// scripts/install.sh, offline, into temp prefixes: from a path, a file:// URL, and an https://
// mirror on 127.0.0.1 with its own CA. Run with dash (Debian's /bin/sh), as `curl … | sh` would.
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seaPath } from './helpers/sea.js';

const script = fileURLToPath(new URL('../../scripts/install.sh', import.meta.url));
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('scripts/install.sh', () => {
  let dir: string;
  let n = 0;
  const prefix = () => join(dir, `prefix-${++n}`);
  const install = (args: string[]) => execa('dash', [script, ...args], { reject: false, env: { PATH: '/usr/bin:/bin', TMPDIR: dir }, extendEnv: false });

  /** A stand-in binary that answers --version (the real one is 120 MB; one test uses it). */
  async function fake(name: string, answer: string): Promise<{ path: string; sha: string }> {
    const path = join(dir, name);
    const body = `#!/bin/sh\necho ${answer}\n`;
    await writeFile(path, body, { mode: 0o755 });
    return { path, sha: sha256(body) };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regsetup-install-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('installs the single executable (0755) and the helper link, and both run', async () => {
    const sea = seaPath();
    const sha = (await readFile(`${sea}.sha256`, 'utf8')).split(' ')[0]!;
    const p = prefix();
    const r = await install(['--sha256', sha, '--prefix', p, sea]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(`installed regsetup ${version} at ${p}/bin/regsetup`);
    expect((await stat(`${p}/bin/regsetup`)).mode & 0o777).toBe(0o755);
    expect(await readlink(`${p}/bin/docker-credential-regsetup`)).toBe('regsetup');
    expect((await execa(`${p}/bin/regsetup`, ['--version'])).stdout).toBe(version);
    expect((await execa(`${p}/bin/docker-credential-regsetup`, ['version'])).stdout).toBe(`docker-credential-regsetup (regsetup) ${version}`);
  });

  it('a second run with the same checksum says so and writes nothing', async () => {
    const bin = await fake('same', '1.0.0');
    const p = prefix();
    expect((await install(['--sha256', bin.sha, '--prefix', p, bin.path])).exitCode).toBe(0);
    const before = [await stat(`${p}/bin/regsetup`), await stat(`${p}/bin`)];
    for (const args of [['--sha256', bin.sha.toUpperCase()], []]) {
      await writeFile(`${bin.path}.sha256`, `${bin.sha}  same\n`);
      const again = await install([...args, '--prefix', p, bin.path]);
      expect(again.exitCode, again.stderr).toBe(0);
      expect(again.stderr).toContain('already installed');
      const after = [await stat(`${p}/bin/regsetup`), await stat(`${p}/bin`)];
      expect(after.map((s) => [s.ino, s.mtimeMs])).toEqual(before.map((s) => [s.ino, s.mtimeMs]));
    }
  });

  it.each([
    { name: 'a wrong checksum', args: (sha: string) => ['--sha256', sha.replace(/^./, (c) => (c === '0' ? '1' : '0'))], code: 4, says: 'checksum mismatch' },
    { name: 'no checksum given and none next to the source', args: () => [], code: 4, says: 'refusing to install an unchecked binary' },
    { name: 'a checksum that is not one', args: () => ['--sha256', 'abc'], code: 2, says: 'not a SHA-256' },
  ])('refuses $name and installs nothing', async ({ args, code, says }) => {
    const bin = await fake(`refused-${n}`, '1.0.0');
    const p = prefix();
    const r = await install([...args(bin.sha), '--prefix', p, bin.path]);
    expect(r.exitCode, r.stderr).toBe(code);
    expect(r.stderr).toContain(says);
    await expect(stat(p)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a binary that does not run on this node, keeping the one installed', async () => {
    const old = await fake('old', '1.0.0');
    const p = prefix();
    await install(['--sha256', old.sha, '--prefix', p, old.path]);
    const broken = join(dir, 'broken');
    await writeFile(broken, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0]), { mode: 0o755 });
    const r = await install(['--sha256', sha256(await readFile(broken)), '--prefix', p, broken]);
    expect(r.exitCode, r.stderr).toBe(4);
    expect(r.stderr).toContain('does not run on this node');
    expect((await execa(`${p}/bin/regsetup`)).stdout).toBe('1.0.0');
    expect(await execa('ls', ['-A', `${p}/bin`]).then((l) => l.stdout.split('\n'))).toEqual(['docker-credential-regsetup', 'regsetup']);
  });

  it('upgrades in place, from a file:// URL with the checksum file next to it', async () => {
    const old = await fake('v1', '1.0.0');
    const next = await fake('v2', '2.0.0');
    await writeFile(`${next.path}.sha256`, `${next.sha}  v2\n`);
    const p = prefix();
    await install(['--sha256', old.sha, '--prefix', p, old.path]);
    const r = await install(['--prefix', p, `file://${next.path}`]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await execa(`${p}/bin/docker-credential-regsetup`)).stdout).toBe('2.0.0');
  });

  it.each([
    { name: "`regsetup login`'s wrapper script", body: '#!/bin/sh\n# Installed by `regsetup login` so the docker CLI finds it.\nexec node x "$@"\n', code: 0 },
    { name: 'a link to an older install', link: '/opt/regsetup/old', code: 0 },
    { name: "someone else's docker-credential-regsetup", body: '#!/bin/sh\necho mine\n', code: 4 },
  ])('with $name already there: exit $code', async ({ body, link, code }) => {
    const bin = await fake(`helper-${n}`, '1.0.0');
    const p = prefix();
    await mkdir(`${p}/bin`, { recursive: true });
    if (body !== undefined) await writeFile(`${p}/bin/docker-credential-regsetup`, body, { mode: 0o755 });
    if (link !== undefined) await symlink(link, `${p}/bin/docker-credential-regsetup`);
    const r = await install(['--sha256', bin.sha, '--prefix', p, bin.path]);
    expect(r.exitCode, r.stderr).toBe(code);
    if (code === 0) expect(await readlink(`${p}/bin/docker-credential-regsetup`)).toBe('regsetup');
    else {
      expect(await readFile(`${p}/bin/docker-credential-regsetup`, 'utf8')).toBe(body);
      await expect(stat(`${p}/bin/regsetup`)).rejects.toMatchObject({ code: 'ENOENT' });
    }
  });

  it('runs from standard input, as `curl … | sh -s -- …`', async () => {
    const bin = await fake('piped', '3.0.0');
    const p = prefix();
    const r = await execa('sh', ['-s', '--', '--sha256', bin.sha, '--prefix', p, bin.path], { inputFile: script, reject: false, env: { PATH: '/usr/bin:/bin', TMPDIR: dir }, extendEnv: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await execa(`${p}/bin/regsetup`)).stdout).toBe('3.0.0');
  });

  it.each([
    { args: [], says: 'usage:' },
    { args: ['http://mirror.invalid/regsetup'], says: 'unsupported URL' },
    { args: ['--frobnicate', 'x'], says: 'usage:' },
  ])('usage error $args: exit 2', async ({ args, says }) => {
    const r = await install(args);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(says);
  });

  describe('from an https:// mirror with a CA of its own', () => {
    let server: Server;
    let url: string;
    let ca: string;
    let bin: { path: string; sha: string };

    beforeAll(async () => {
      ca = join(dir, 'mirror-ca.pem');
      const key = join(dir, 'mirror-key.pem');
      // Self-signed for 127.0.0.1: its own CA, as an internal mirror's often is.
      await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', ca, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
      bin = await fake('mirrored', '4.0.0');
      const files: Record<string, Buffer> = { '/regsetup-linux-x64': await readFile(bin.path), '/regsetup-linux-x64.sha256': Buffer.from(`${bin.sha}  regsetup-linux-x64\n`) };
      server = createServer({ key: await readFile(key), cert: await readFile(ca) }, (req, res) => {
        const body = files[req.url ?? ''];
        res.writeHead(body ? 200 : 404).end(body ?? 'not found');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/regsetup-linux-x64`;
    });
    afterAll(async () => {
      await new Promise((resolve) => server?.close(resolve));
    });

    it('refuses without the CA (curl does not trust the mirror), installs nothing', async () => {
      const p = prefix();
      const r = await install(['--prefix', p, url]);
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stderr).toContain('could not fetch');
      await expect(stat(p)).rejects.toMatchObject({ code: 'ENOENT' });
    });

    it('installs with --cacert, the checksum from the mirror', async () => {
      const p = prefix();
      const r = await install(['--cacert', ca, '--prefix', p, url]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect((await execa(`${p}/bin/regsetup`)).stdout).toBe('4.0.0');
      await chmod(`${p}/bin/regsetup`, 0o700); // a later run with the same checksum must not touch it
      const again = await install(['--cacert', ca, '--sha256', bin.sha, '--prefix', p, url]);
      expect(again.stderr).toContain('already installed');
      expect((await stat(`${p}/bin/regsetup`)).mode & 0o777).toBe(0o700);
    });
  });
});
