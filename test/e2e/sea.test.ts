// The single executable (npm run build:sea) as a node gets it: a copy in a directory of its
// own, far from this checkout's node_modules and package.json, started under `env -i` with a
// PATH that has no Node on it. Needs no lab and no daemon.
import { execa } from 'execa';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonDocument } from '../json-documents.js';
import { seaPath } from './helpers/sea.js';

const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('the single executable, with no Node and no node_modules around', () => {
  let dir: string;
  let bin: string;
  // Only the executable and its helper link are on PATH: this machine's /usr/bin has a Node 20,
  // and the point is that nothing needs one.
  const env = (extra: Record<string, string> = {}) => ({ PATH: join(dir, 'bin'), HOME: join(dir, 'home'), ...extra });
  const run = (file: string, args: string[], opts: { input?: string; env?: Record<string, string> } = {}) =>
    execa(file, args, { cwd: dir, env: env(opts.env), extendEnv: false, input: opts.input ?? '', reject: false });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regsetup-sea-'));
    bin = join(dir, 'bin', 'regsetup');
    await mkdir(join(dir, 'bin'));
    await mkdir(join(dir, 'home'));
    await copyFile(seaPath(), bin);
    await execa('chmod', ['0755', bin]);
    await symlink('regsetup', join(dir, 'bin', 'docker-credential-regsetup'));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs where `command -v node` finds nothing', async () => {
    const probe = await run('/bin/sh', ['-c', 'command -v node']);
    expect(probe.exitCode, probe.stdout).not.toBe(0);
    const r = await run(bin, ['--version']);
    expect(r).toMatchObject({ exitCode: 0, stdout: version, stderr: '' });
  });

  it('--help lists the commands and the exit codes', async () => {
    const r = await run(bin, ['--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Usage: regsetup /);
    for (const command of ['join', 'verify', 'leave', 'status', 'login', 'doctor']) expect(r.stdout).toContain(`  ${command}`);
    expect(r.stdout).toContain('4  preflight refused, nothing changed');
  });

  it.each([
    { args: ['bogus'], line: "regsetup: unknown command 'bogus'", see: "See 'regsetup --help'." },
    // join without a registry may still be a --config join: the hint names both ways.
    {
      args: ['join'],
      line: "regsetup: error ERR_USAGE: missing required argument 'registry'",
      see: '  hint: Name the registry, or join everything a desired-state file lists with --config FILE.',
    },
  ])('a usage error ($args.0) is a line and a pointer, exit 2, no stack', async ({ args, line, see }) => {
    const r = await run(bin, args);
    expect(r).toMatchObject({ exitCode: 2, stdout: '', stderr: `${line}\n${see}` });
  });

  it('status --root reads a tree (zod, jsonc): as joined, then drifted once the mirror is removed', async () => {
    const root = join(dir, 'tree');
    await mkdir(join(root, 'var/lib/regsetup'), { recursive: true });
    await mkdir(join(root, 'etc/docker'), { recursive: true });
    const entry = {
      registry: 'nexus.example.com',
      joinedAt: '2026-05-01T10:00:00.000Z',
      daemonJsonPath: '/etc/docker/daemon.json',
      added: { mirrors: ['https://nexus.example.com'], insecure: [] },
      files: [],
    };
    await writeFile(join(root, 'var/lib/regsetup/state.json'), JSON.stringify({ version: 1, registries: { 'nexus.example.com': entry } }));
    await writeFile(join(root, 'etc/docker/daemon.json'), '{\n  "registry-mirrors": ["https://nexus.example.com"],\n  "debug": true\n}\n');
    const ok = await run(bin, ['status', '--root', root, '--json']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(jsonDocument(ok.stdout)).toMatchObject({ ok: true, registries: [{ registry: 'nexus.example.com', drifted: false }] });

    await writeFile(join(root, 'etc/docker/daemon.json'), '{\n  "debug": true\n}\n');
    const drifted = await run(bin, ['status', '--root', root]);
    expect(drifted.exitCode).toBe(3);
    expect(drifted.stdout).toContain('registry-mirrors entry https://nexus.example.com was removed from /etc/docker/daemon.json');
  });

  it('a command that needs the daemon loads the Docker client and answers as the npm package does', async () => {
    const args = ['login', 'nexus.example.com', '--username', 'ci', '--password-stdin', '--root', join(dir, 'tree'), '--docker-host', `unix://${join(dir, 'no-docker.sock')}`, '--json'];
    const input = 'not-a-real-password\n';
    const sea = await run(bin, args, { input });
    expect(jsonDocument(sea.stdout).error, sea.stderr).toMatchObject({ code: 'ERR_DOCKER_UNREACHABLE' });
    expect(sea.stderr).not.toMatch(/\n\s+at /);
    expect(sea.stdout + sea.stderr).not.toContain('not-a-real-password');
    const npm = await execa(process.execPath, [fileURLToPath(new URL('../../bin/regsetup', import.meta.url)), ...args], { input, env: env(), extendEnv: false, reject: false });
    expect({ exitCode: sea.exitCode, stdout: sea.stdout, stderr: sea.stderr }).toEqual({ exitCode: npm.exitCode, stdout: npm.stdout, stderr: npm.stderr });
  });

  describe('started as docker-credential-regsetup (a symlink to it), the credential helper', () => {
    const helperEnv = () => ({
      REGSETUP_CREDENTIALS_DIR: join(dir, 'store'),
      REGSETUP_CREDENTIALS_KEY_DIR: join(dir, 'key'),
      REGSETUP_CREDENTIALS_BACKEND: 'file',
      REGSETUP_CREDENTIALS_KEY_PROTECTION: 'file',
    });
    // Found on PATH by name, as the docker CLI runs it (argv[0] is then the bare name).
    const helper = (action: string, input = '') => run('docker-credential-regsetup', [action], { input, env: helperEnv() });
    const secret = 'sea-helper-secret-3f9a';

    it('speaks the protocol: store, get, list, erase, version', async () => {
      expect(await helper('version')).toMatchObject({ exitCode: 0, stdout: `docker-credential-regsetup (regsetup) ${version}` });

      const stored = await helper('store', JSON.stringify({ ServerURL: 'nexus.example.com', Username: 'ci', Secret: secret }));
      expect(stored, stored.stdout).toMatchObject({ exitCode: 0, stdout: '' });

      const got = await helper('get', 'nexus.example.com');
      expect(got.exitCode, got.stdout).toBe(0);
      expect(JSON.parse(got.stdout)).toEqual({ ServerURL: 'nexus.example.com', Username: 'ci', Secret: secret });

      const listed = await helper('list');
      expect(JSON.parse(listed.stdout)).toEqual({ 'nexus.example.com': 'ci' });

      const store = await readFile(join(dir, 'store', 'credentials.json'), 'utf8');
      expect(store).not.toContain(secret);
      expect(store).not.toContain(Buffer.from(secret).toString('base64'));

      expect(await helper('erase', 'nexus.example.com')).toMatchObject({ exitCode: 0, stdout: '' });
      const gone = await helper('get', 'nexus.example.com');
      expect(gone).toMatchObject({ exitCode: 1, stdout: 'credentials not found in native keychain' });
      expect(JSON.parse((await helper('list')).stdout)).toEqual({});
    });
  });
});
