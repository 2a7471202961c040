import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { RegsetupError } from '../../src/core/errors.js';
import { nodeFiles, type LockOptions } from '../../src/host/files.js';
import { resolveHostPath, rooted } from '../../src/host/host-path.js';
import { linkSafe } from '../fakes/link-safe-memfs.js';

function setup(tree: Record<string, string> = {}, lock: LockOptions = {}) {
  const { fs, vol } = memfs(tree);
  return { fs, vol, files: nodeFiles(linkSafe(fs), lock) };
}

describe('writeAtomic', () => {
  it('keeps the mode and owner of the file it replaces', async () => {
    const { fs, files } = setup({ '/etc/docker/daemon.json': '{}' });
    fs.chmodSync('/etc/docker/daemon.json', 0o664);
    fs.chownSync('/etc/docker/daemon.json', 123, 456);
    await files.writeAtomic('/etc/docker/daemon.json', '{"debug":true}\n');
    expect(fs.readFileSync('/etc/docker/daemon.json', 'utf8')).toBe('{"debug":true}\n');
    expect(await files.stat('/etc/docker/daemon.json')).toMatchObject({ mode: 0o664, uid: 123, gid: 456 });
  });

  it.each([
    { name: 'new file, defaults', before: undefined, options: {}, mode: 0o644 },
    { name: 'new file, given mode', before: undefined, options: { mode: 0o600 }, mode: 0o600 },
    { name: 'given mode wins over the old one', before: 0o644, options: { mode: 0o600 }, mode: 0o600 },
  ])('mode: $name', async ({ before, options, mode }) => {
    const { fs, files } = setup({ '/etc/docker/.keep': '' });
    if (before !== undefined) fs.writeFileSync('/etc/docker/key.pem', 'old', { mode: before });
    await files.writeAtomic('/etc/docker/key.pem', Buffer.from('new'), options);
    expect((await files.stat('/etc/docker/key.pem'))?.mode).toBe(mode);
  });

  it('leaves no temporary file behind', async () => {
    const { files } = setup({ '/etc/docker/daemon.json': '{}' });
    await files.writeAtomic('/etc/docker/daemon.json', '{"a":1}');
    expect(await files.readdir('/etc/docker')).toEqual(['daemon.json']);
  });

  it('refuses to write through a symlink, and writes nothing', async () => {
    const { fs, files } = setup({ '/srv/daemon.json': '{}', '/etc/docker/.keep': '' });
    fs.symlinkSync('/srv/daemon.json', '/etc/docker/daemon.json');
    await expect(files.writeAtomic('/etc/docker/daemon.json', '{"b":2}')).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH', exitCode: 4 });
    expect(fs.lstatSync('/etc/docker/daemon.json').isSymbolicLink()).toBe(true);
    expect(fs.readFileSync('/srv/daemon.json', 'utf8')).toBe('{}');
    expect(fs.readdirSync('/etc/docker')).toEqual(['.keep', 'daemon.json']);
  });

  it('fails, and leaves the old file, when the directory is missing', async () => {
    const { files } = setup();
    await expect(files.writeAtomic('/nope/daemon.json', '{}')).rejects.toMatchObject({ code: 'ERR_FILE_MISSING_DIRECTORY', exitCode: 4 });
  });
});

describe('reads', () => {
  it('gives undefined and [] for what does not exist', async () => {
    const { files } = setup({ '/etc/hosts': '127.0.0.1 localhost\n' });
    expect(await files.readText('/etc/missing')).toBeUndefined();
    expect(await files.readText('/etc/hosts/not-a-dir')).toBeUndefined();
    expect(await files.stat('/etc/missing')).toBeUndefined();
    expect(await files.readdir('/etc/missing')).toEqual([]);
    expect(await files.exists('/etc/hosts')).toBe(true);
    await files.remove('/etc/missing');
  });

  it('mkdirp and remove', async () => {
    const { files } = setup();
    await files.mkdirp('/etc/docker/certs.d/reg:5000', 0o755);
    expect((await files.stat('/etc/docker/certs.d/reg:5000'))?.isDirectory).toBe(true);
    await files.remove('/etc/docker/certs.d', { recursive: true });
    expect(await files.exists('/etc/docker/certs.d')).toBe(false);
  });
});

describe('links', () => {
  it.each([
    { name: 'a link', make: (fs: ReturnType<typeof memfs>['fs']) => fs.symlinkSync('/opt/regsetup', '/usr/local/bin/x'), link: '/opt/regsetup' },
    { name: 'a relative link', make: (fs: ReturnType<typeof memfs>['fs']) => fs.symlinkSync('regsetup', '/usr/local/bin/x'), link: 'regsetup' },
    { name: 'a dangling link', make: (fs: ReturnType<typeof memfs>['fs']) => fs.symlinkSync('/nowhere', '/usr/local/bin/x'), link: '/nowhere' },
    { name: 'a file', make: (fs: ReturnType<typeof memfs>['fs']) => fs.writeFileSync('/usr/local/bin/x', '#!'), link: undefined },
    { name: 'nothing', make: () => undefined, link: undefined },
  ])('readLink of $name', async ({ make, link }) => {
    const { fs, files } = setup({ '/usr/local/bin/.keep': '', '/opt/regsetup': 'ELF' });
    make(fs);
    expect(await files.readLink('/usr/local/bin/x')).toBe(link);
  });

  it.each([
    { name: 'nothing', before: undefined },
    { name: 'a file', before: 'file' },
    { name: 'another link', before: 'link' },
  ])('symlinkAtomic replaces $name, leaving no temporary behind and the old target untouched', async ({ before }) => {
    const { fs, files } = setup({ '/usr/local/bin/.keep': '', '/opt/old': 'old binary', '/opt/regsetup': 'ELF' });
    if (before === 'file') fs.writeFileSync('/usr/local/bin/x', '#!/bin/sh');
    if (before === 'link') fs.symlinkSync('/opt/old', '/usr/local/bin/x');
    await files.symlinkAtomic('/opt/regsetup', '/usr/local/bin/x');
    expect(fs.readlinkSync('/usr/local/bin/x')).toBe('/opt/regsetup');
    expect(await files.readdir('/usr/local/bin')).toEqual(['.keep', 'x']);
    expect(fs.readFileSync('/opt/old', 'utf8')).toBe('old binary');
  });

  it('under --root, the link goes into the tree and keeps its target as given', async () => {
    const { fs, files } = setup({ '/scratch/usr/local/bin/.keep': '' });
    const tree = rooted(files, '/scratch');
    await tree.symlinkAtomic('/usr/local/bin/regsetup', '/usr/local/bin/docker-credential-regsetup');
    expect(fs.readlinkSync('/scratch/usr/local/bin/docker-credential-regsetup')).toBe('/usr/local/bin/regsetup');
    expect(await tree.readLink('/usr/local/bin/docker-credential-regsetup')).toBe('/usr/local/bin/regsetup');
  });
});

describe('withLock', () => {
  const fastLock = (alive: number[]): LockOptions => ({ pid: 1000, isAlive: (pid) => alive.includes(pid), timeoutMs: 50, pollMs: 5 });

  it('runs fn, writes our pid, and removes the lock afterwards', async () => {
    const { fs, files } = setup({ '/run/.keep': '' }, fastLock([]));
    const seen = await files.withLock('/run/regsetup.lock', async () => fs.readFileSync('/run/regsetup.lock', 'utf8'));
    expect(seen).toBe('1000\n');
    expect(fs.existsSync('/run/regsetup.lock')).toBe(false);
  });

  it('refuses with ERR_LOCKED while a live process holds it', async () => {
    const { fs, files } = setup({ '/run/regsetup.lock': '2000\n' }, fastLock([2000]));
    const error = await files.withLock('/run/regsetup.lock', async () => 'ran').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegsetupError);
    expect(error).toMatchObject({ code: 'ERR_LOCKED', exitCode: 4 });
    expect((error as Error).message).toContain('pid 2000');
    expect(fs.readFileSync('/run/regsetup.lock', 'utf8')).toBe('2000\n');
  });

  it.each([
    { name: 'holder is dead', content: '2000\n' },
    { name: 'our own pid, left by an earlier process', content: '1000\n' },
  ])('takes over a stale lock: $name', async ({ content }) => {
    const { fs, files } = setup({ '/run/regsetup.lock': content }, fastLock([]));
    expect(await files.withLock('/run/regsetup.lock', async () => 'ran')).toBe('ran');
    expect(fs.existsSync('/run/regsetup.lock')).toBe(false);
  });

  it('excludes a second holder in the same process until the first is done', async () => {
    const { files } = setup({ '/run/.keep': '' }, { timeoutMs: 2_000, pollMs: 5 });
    const order: string[] = [];
    let release = () => {};
    const first = files.withLock('/run/l', async () => {
      order.push('first in');
      await new Promise<void>((resolve) => (release = resolve));
      order.push('first out');
    });
    const second = files.withLock('/run/l', async () => order.push('second in'));
    await new Promise((resolve) => setTimeout(resolve, 30));
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first in', 'first out', 'second in']);
  });

  it('is re-entrant: a nested withLock of the same lock runs at once', async () => {
    const { files } = setup({ '/run/.keep': '' }, fastLock([]));
    expect(await files.withLock('/run/l', () => files.withLock('/run/l', async () => 'inner'))).toBe('inner');
  });

  it('two file systems with the same lock path do not wait on each other', async () => {
    const a = setup({ '/run/.keep': '' }, fastLock([]));
    const b = setup({ '/run/.keep': '' }, fastLock([]));
    expect(await a.files.withLock('/run/l', () => b.files.withLock('/run/l', async () => 'both'))).toBe('both');
  });

  it('releases the lock when fn throws', async () => {
    const { fs, files } = setup({ '/run/.keep': '' }, fastLock([]));
    await expect(files.withLock('/run/l', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(fs.existsSync('/run/l')).toBe(false);
  });
});

describe('--root', () => {
  it.each([
    { root: undefined, path: '/etc/docker/daemon.json', want: '/etc/docker/daemon.json' },
    { root: '/', path: '/etc/x', want: '/etc/x' },
    { root: '/scratch', path: '/etc/x', want: '/scratch/etc/x' },
    { root: '/scratch/', path: 'etc/x', want: '/scratch/etc/x' },
    { root: '/scratch', path: '/../../etc/shadow', want: '/scratch/etc/shadow' },
  ])('resolveHostPath($root, $path)', ({ root, path, want }) => {
    expect(resolveHostPath(root, path)).toBe(want);
  });

  it('rooted() sends every path under the root', async () => {
    const { fs, files } = setup({ '/scratch/etc/docker/.keep': '' });
    const host = rooted(files, '/scratch');
    await host.writeAtomic('/etc/docker/daemon.json', '{}');
    expect(fs.readFileSync('/scratch/etc/docker/daemon.json', 'utf8')).toBe('{}');
    expect(await host.readdir('/etc/docker')).toEqual(['.keep', 'daemon.json']);
  });
});
