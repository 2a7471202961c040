// `npm pack` from a clean checkout gives a package that installs and runs: prepack builds dist/,
// the tarball carries bin, dist, LICENSE and README (no source maps, no single executable), and
// `npm install -g` of it answers --version on Node 24 and says what to install on Node 20.
import { execa } from 'execa';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonDocument, schemaFiles } from '../json-documents.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const { version } = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { version: string };
// Debian 12's nodejs package: the Node a fresh node has (README "Try it": a fresh Debian 12 machine).
const OLD_NODE = '/usr/bin/node';

describe('the npm package', () => {
  let dir: string;
  let files: string[];
  let prefix: string;
  const env = () => ({ PATH: `${join(repo, 'node_modules', '.bin')}:/usr/bin:/bin`, HOME: process.env.HOME ?? '/root' });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regsetup-pack-'));
    // A clean checkout: what git tracks (or would), no dist/, this checkout's node_modules.
    const checkout = join(dir, 'checkout');
    const listed = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repo });
    for (const file of listed.stdout.split('\0').filter(Boolean)) {
      const from = join(repo, file);
      if (!(await stat(from).catch(() => undefined))?.isFile()) continue; // deleted, not yet committed
      await mkdir(dirname(join(checkout, file)), { recursive: true });
      await copyFile(from, join(checkout, file));
      await execa('chmod', ['--reference', from, join(checkout, file)]);
    }
    await symlink(join(repo, 'node_modules'), join(checkout, 'node_modules'));
    const packed = await execa('npm', ['pack', '--json', '--pack-destination', dir], { cwd: checkout, env: env() });
    const [result] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
    files = result.files.map((f) => f.path);
    prefix = join(dir, 'prefix');
    // Offline when it can: everything was installed into this checkout from the same cache.
    await execa('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(dir, result.filename)], { env: env() });
  }, 300_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ships bin, the built dist, the JSON schemas, LICENSE and README; no maps, no sources, no single executable', () => {
    for (const f of ['LICENSE', 'README.md', 'package.json', 'bin/regsetup', 'bin/docker-credential-regsetup', 'dist/cli/main.js', 'dist/cli/credential-helper-main.js', ...schemaFiles().map((s) => `schemas/${s}`)]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => f.endsWith('.map') || f.startsWith('src/') || f.startsWith('test/') || f.startsWith('dist/sea') || f.startsWith('scripts/'))).toEqual([]);
  });

  it('installed with npm install -g, answers on Node 24: --version, --help, status, the helper', async () => {
    const run = (name: string, args: string[]) => execa(process.execPath, [join(prefix, 'bin', name), ...args], { env: env(), extendEnv: false, reject: false });
    expect(await run('regsetup', ['--version'])).toMatchObject({ exitCode: 0, stdout: version });
    expect((await run('regsetup', ['--help'])).stdout).toMatch(/^Usage: regsetup /);
    const status = await run('regsetup', ['status', '--root', join(dir, 'empty-root'), '--json']);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(jsonDocument(status.stdout)).toMatchObject({ schemaVersion: 1, command: 'status', changed: false, ok: true, registries: [] });
    expect(await run('docker-credential-regsetup', ['version'])).toMatchObject({ exitCode: 0, stdout: `docker-credential-regsetup (regsetup) ${version}` });
  });

  it('on Node 20, says what to install instead, with no npx loop', async () => {
    const old = await execa(OLD_NODE, ['--version'], { reject: false });
    expect(Number(/^v(\d+)/.exec(old.stdout)?.[1]), `this test needs a Node older than 22 at ${OLD_NODE} (Debian's nodejs)`).toBeLessThan(22);
    const cli = await execa(OLD_NODE, [join(prefix, 'bin', 'regsetup'), '--version'], { reject: false });
    expect(cli.exitCode).toBe(4);
    expect(cli.stdout).toBe('');
    expect(cli.stderr).toContain(`regsetup needs Node 22 or later, and this is Node ${old.stdout.slice(1)}`);
    expect(cli.stderr).toContain('install Node 24 LTS (or any 22+), or use the single-file regsetup-linux-x64');
    // The helper answers on stdout with exit 1: the docker CLI shows that text.
    const helper = await execa(OLD_NODE, [join(prefix, 'bin', 'docker-credential-regsetup'), 'get'], { input: 'r.example', reject: false });
    expect(helper.exitCode).toBe(1);
    expect(helper.stdout).toContain('install Node 24 LTS (or any 22+)');
    for (const text of [cli.stderr, helper.stdout]) expect(text).not.toContain('npx');
  });
});
