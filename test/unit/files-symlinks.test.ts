import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES, nodeFiles, type Files } from '../../src/host/files.js';
import { rooted } from '../../src/host/host-path.js';
import { snapshotFs } from '../fuzz/fs-snapshot.js';

// The symlink rule of files.ts, on memfs (which has symlinks and lstat). The same code runs on
// node:fs: files-real.test.ts repeats the dangerous cases on a real filesystem.

type MemFs = ReturnType<typeof memfs>['fs'];

function setup(prepare: (fs: MemFs) => void, options: { trusted?: string[]; root?: string } = {}) {
  const { fs } = memfs({ '/etc/docker/.keep': '', '/srv/elsewhere/.keep': '', '/run/.keep': '', '/usr/lib/.keep': '', '/scratch/etc/docker/.keep': '', '/scratch/run/.keep': '' });
  prepare(fs);
  const files = nodeFiles(fs, { trusted: options.trusted });
  return { fs, files: options.root === undefined ? files : rooted(files, options.root) };
}

// [name, op, whether it touches the file itself (not only its directory)]
type Op = [string, (files: Files, path: string) => Promise<unknown>, boolean];
const writes: Op[] = [
  ['writeAtomic', (f, p) => f.writeAtomic(p, '{"new":true}\n'), true],
  ['checkWritable', (f, p) => f.checkWritable(p), true],
  ['remove', (f, p) => f.remove(p), true],
  ['mkdirp of a directory next to it', (f, p) => f.mkdirp(`${p}.d/sub`), false],
  ['withLock next to it', (f, p) => f.withLock(`${p}.lock`, async () => undefined), false],
];
const LEAF_CASES = 2;

// [what, prepare, path written (as the caller names it), options]
const refused: Array<[string, (fs: MemFs) => void, string, { trusted?: string[]; root?: string }?]> = [
  ['daemon.json a link to another file', (fs) => (fs.writeFileSync('/srv/elsewhere/daemon.json', '{}'), fs.symlinkSync('/srv/elsewhere/daemon.json', '/etc/docker/daemon.json')), '/etc/docker/daemon.json'],
  ['daemon.json a dangling link', (fs) => fs.symlinkSync('/srv/nowhere', '/etc/docker/daemon.json'), '/etc/docker/daemon.json'],
  ['certs.d/<host> a link to another directory', (fs) => (fs.mkdirSync('/etc/docker/certs.d'), fs.symlinkSync('/srv/elsewhere', '/etc/docker/certs.d/reg.example')), '/etc/docker/certs.d/reg.example/ca.crt'],
  ['/etc/docker a link', (fs) => (fs.rmSync('/etc/docker', { recursive: true }), fs.symlinkSync('/srv/elsewhere', '/etc/docker')), '/etc/docker/daemon.json'],
  ['a relative link', (fs) => fs.symlinkSync('../../srv/elsewhere', '/etc/docker/certs.d'), '/etc/docker/certs.d/reg.example/ca.crt'],
  ['/var/run pointing elsewhere than /run', (fs) => (fs.mkdirSync('/var'), fs.symlinkSync('/srv/elsewhere', '/var/run')), '/var/run/regsetup.pid'],
  ['/lib pointing elsewhere than usr/lib', (fs) => fs.symlinkSync('/srv/elsewhere', '/lib'), '/lib/x'],
  ['a system link whose target is a link', (fs) => (fs.rmSync('/usr/lib', { recursive: true }), fs.symlinkSync('/srv/elsewhere', '/usr/lib'), fs.symlinkSync('usr/lib', '/lib')), '/lib/regsetup/x'],
  ['a link loop', (fs) => (fs.symlinkSync('/etc/docker/b', '/etc/docker/a'), fs.symlinkSync('/etc/docker/a', '/etc/docker/b')), '/etc/docker/a/daemon.json'],
  ['--root: DIR/etc/docker a link to the host\'s /etc/docker', (fs) => (fs.rmSync('/scratch/etc/docker', { recursive: true }), fs.symlinkSync('/etc/docker', '/scratch/etc/docker')), '/etc/docker/daemon.json', { root: '/scratch' }],
  ['--root: a link that stays inside DIR', (fs) => (fs.mkdirSync('/scratch/srv'), fs.symlinkSync('/scratch/srv', '/scratch/etc/docker/certs.d')), '/etc/docker/certs.d/reg/ca.crt', { root: '/scratch' }],
  ['--root: DIR itself a link', (fs) => (fs.renameSync('/scratch', '/scratch-real'), fs.symlinkSync('/scratch-real', '/scratch')), '/etc/docker/daemon.json', { root: '/scratch' }],
  ['--root: DIR/var/run → /run (the host\'s /run)', (fs) => (fs.mkdirSync('/scratch/var'), fs.symlinkSync('/run', '/scratch/var/run')), '/var/run/x.pid', { root: '/scratch' }],
  ['below a trusted base the rule applies again', (fs) => (fs.mkdirSync('/data/home/u', { recursive: true }), fs.symlinkSync('/data/home', '/home'), fs.symlinkSync('/srv/elsewhere', '/data/home/u/.docker')), '/home/u/.docker/config.json', { trusted: ['/home/u'] }],
  ['a linked home without a declared trusted base', (fs) => (fs.mkdirSync('/data/home/u/.docker', { recursive: true }), fs.symlinkSync('/data/home', '/home')), '/home/u/.docker/config.json'],
];

describe.each(writes)('%s refuses a path that breaks the symlink rule, and changes nothing', (_, op, leaf) => {
  it.each(leaf ? refused : refused.slice(LEAF_CASES))('%s', async (_what, prepare, path, options) => {
    const { fs, files } = setup(prepare, options);
    const before = snapshotFs(fs);
    const error = await op(files, path).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: expect.stringMatching(/^ERR_(UNSAFE_PATH|SYMLINK_LOOP)$/), exitCode: 4 });
    expect(snapshotFs(fs)).toEqual(before);
  });
});

describe('what the rule allows', () => {
  it.each([
    ['/var/run → /run', (fs: MemFs) => (fs.mkdirSync('/var'), fs.symlinkSync('/run', '/var/run')), '/var/run/regsetup.pid', '/run/regsetup.pid', {}],
    ['/lib → usr/lib (relative)', (fs: MemFs) => fs.symlinkSync('usr/lib', '/lib'), '/lib/regsetup/x', '/usr/lib/regsetup/x', {}],
    ['--root: DIR/var/run → ../run', (fs: MemFs) => (fs.mkdirSync('/scratch/var'), fs.symlinkSync('../run', '/scratch/var/run')), '/var/run/x.pid', '/scratch/run/x.pid', { root: '/scratch' }],
    ['a home that is a link, declared trusted', (fs: MemFs) => (fs.mkdirSync('/data/home/u/.docker', { recursive: true }), fs.symlinkSync('/data/home', '/home')), '/home/u/.docker/config.json', '/data/home/u/.docker/config.json', { trusted: ['/home/u'] }],
  ])('%s', async (_what, prepare, path, lands, options) => {
    const { fs, files } = setup(prepare, options);
    await files.mkdirp(path.slice(0, path.lastIndexOf('/')));
    await files.writeAtomic(path, 'x\n');
    expect(fs.readFileSync(lands, 'utf8')).toBe('x\n');
    await files.remove(path);
    expect(fs.existsSync(lands)).toBe(false);
  });
});

describe('the file itself', () => {
  it.each([
    ['a directory', (fs: MemFs) => fs.mkdirSync('/etc/docker/daemon.json'), 'ERR_FILE_IS_DIRECTORY'],
    ['a regular file where a directory should be', (fs: MemFs) => fs.writeFileSync('/etc/docker/certs.d', ''), 'ERR_NOT_A_DIRECTORY'],
  ])('%s is refused for writes', async (_what, prepare, code) => {
    const { fs, files } = setup(prepare);
    const before = snapshotFs(fs);
    const path = code === 'ERR_NOT_A_DIRECTORY' ? '/etc/docker/certs.d/r/ca.crt' : '/etc/docker/daemon.json';
    await expect(files.writeAtomic(path, '{}')).rejects.toMatchObject({ code, exitCode: 4 });
    await expect(files.checkWritable(path)).rejects.toMatchObject({ code, exitCode: 4 });
    expect(snapshotFs(fs)).toEqual(before);
  });

  it('reads follow a link, and the bytes come back as they are', async () => {
    const bytes = Buffer.from([0x7b, 0x22, 0xe9, 0xff, 0x22, 0x7d]);
    const { files } = setup((fs) => (fs.writeFileSync('/srv/elsewhere/daemon.json', bytes), fs.symlinkSync('/srv/elsewhere/daemon.json', '/etc/docker/daemon.json')));
    expect((await files.readBytes('/etc/docker/daemon.json'))?.equals(bytes)).toBe(true);
  });

  it('reads refuse a directory, a link loop and a file over the limit (naming the limit)', async () => {
    const { files } = setup((fs) => {
      fs.mkdirSync('/etc/docker/dir');
      fs.symlinkSync('/etc/docker/loop', '/etc/docker/loop');
      fs.writeFileSync('/etc/docker/big.json', Buffer.alloc(MAX_FILE_BYTES + 1, 0x20));
    });
    await expect(files.readText('/etc/docker/dir')).rejects.toMatchObject({ code: 'ERR_FILE_IS_DIRECTORY', exitCode: 4 });
    await expect(files.readText('/etc/docker/loop')).rejects.toMatchObject({ code: 'ERR_SYMLINK_LOOP', exitCode: 4 });
    await expect(files.readBytes('/etc/docker/big.json')).rejects.toMatchObject({ code: 'ERR_FILE_TOO_LARGE', exitCode: 4, message: expect.stringContaining('4 MiB') });
    expect(await files.readBytes('/etc/docker/big.json', { maxBytes: MAX_FILE_BYTES + 1 })).toHaveLength(MAX_FILE_BYTES + 1);
  });

  it('keeps the mode of the file it replaces and gives a new one 0644, through the handle', async () => {
    const { fs, files } = setup((f) => f.writeFileSync('/etc/docker/daemon.json', '{}', { mode: 0o640 }));
    await files.writeAtomic('/etc/docker/daemon.json', '{"a":1}');
    await files.writeAtomic('/etc/docker/new.json', '{}');
    expect(fs.statSync('/etc/docker/daemon.json').mode & 0o7777).toBe(0o640);
    expect(fs.statSync('/etc/docker/new.json').mode & 0o7777).toBe(0o644);
  });
});
