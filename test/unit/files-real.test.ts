import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginRegistry } from '../../src/credentials/login.js';
import { migrateCredentials } from '../../src/credentials/migrate.js';
import { credentialStore } from '../../src/credentials/store.js';
import { nodeFiles } from '../../src/host/files.js';
import { rooted } from '../../src/host/host-path.js';
import { fakeDockerApi } from '../fakes/fake-docker-api.js';
import { snapshotFs } from '../fuzz/fs-snapshot.js';

// The dangerous classes on a real filesystem, under a temporary directory (restored and removed
// afterwards): symlinks, /dev/null and a real device node, a FIFO, a socket, a directory, an
// immutable file (chattr +i), a full disk and a read-only one (small tmpfs mounts of our own).
// chattr, mknod and mount need root: the suite (bash scripts/test) runs as root; these fail
// loudly, never skip, when that is not so.

const base = fs.mkdtempSync(join(tmpdir(), 'regsetup-files-'));
const mounts: string[] = [];
const immutable: string[] = [];
let socketServer: Server | undefined;
const files = nodeFiles();
const sh = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' });

const dir = (name: string) => {
  const path = join(base, name);
  fs.mkdirSync(join(path, 'etc/docker'), { recursive: true });
  return path;
};

const tmpfs = (name: string, options: string) => {
  const path = join(base, name);
  fs.mkdirSync(path);
  sh('mount', '-t', 'tmpfs', '-o', options, 'regsetup-test', path);
  mounts.push(path);
  return path;
};

beforeAll(() => {
  expect(process.getuid?.(), 'this file needs root (chattr, mknod, mount)').toBe(0);
});

afterAll(async () => {
  for (const path of immutable) sh('chattr', '-i', path);
  for (const path of mounts.reverse()) sh('umount', path);
  await new Promise<void>((resolve) => (socketServer ? socketServer.close(() => resolve()) : resolve()));
  fs.rmSync(base, { recursive: true, force: true });
});

describe('non-regular files where a file is expected', () => {
  it('daemon.json → /dev/null: read refused, write refused, /dev/null untouched', async () => {
    const root = dir('devnull');
    const path = join(root, 'etc/docker/daemon.json');
    fs.symlinkSync('/dev/null', path);
    const devBefore = fs.statSync('/dev/null');
    await expect(files.readText(path)).rejects.toMatchObject({ code: 'ERR_NOT_REGULAR_FILE', exitCode: 4, message: expect.stringContaining('character device') });
    await expect(files.writeAtomic(path, '{"registry-mirrors":[]}\n')).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH', exitCode: 4, message: expect.stringContaining('/dev/null') });
    const devAfter = fs.statSync('/dev/null');
    expect(devAfter.isCharacterDevice()).toBe(true);
    expect([devAfter.mode, devAfter.rdev]).toEqual([devBefore.mode, devBefore.rdev]);
    expect(fs.readlinkSync(path)).toBe('/dev/null');
  });

  it('daemon.json a device node itself: refused both ways, never opened for writing', async () => {
    const path = join(dir('mknod'), 'etc/docker/daemon.json');
    sh('mknod', '-m', '0666', path, 'c', '1', '3');
    await expect(files.readBytes(path)).rejects.toMatchObject({ code: 'ERR_NOT_REGULAR_FILE', exitCode: 4 });
    await expect(files.writeAtomic(path, '{}')).rejects.toMatchObject({ code: 'ERR_NOT_REGULAR_FILE', exitCode: 4 });
    expect(fs.lstatSync(path).isCharacterDevice()).toBe(true);
    expect(fs.readdirSync(join(base, 'mknod/etc/docker'))).toEqual(['daemon.json']);
  });

  it('a FIFO as daemon.json or CA file does not hang: refused at once', async () => {
    const root = dir('fifo');
    for (const name of ['daemon.json', 'ca.crt']) sh('mkfifo', join(root, 'etc/docker', name));
    await expect(files.readText(join(root, 'etc/docker/daemon.json'))).rejects.toMatchObject({ code: 'ERR_NOT_REGULAR_FILE', message: expect.stringContaining('FIFO') });
    await expect(files.readBytes(join(root, 'etc/docker/ca.crt'))).rejects.toMatchObject({ code: 'ERR_NOT_REGULAR_FILE', exitCode: 4 });
    await expect(files.writeAtomic(join(root, 'etc/docker/daemon.json'), '{}')).rejects.toMatchObject({ code: 'ERR_NOT_REGULAR_FILE' });
  });

  it('a socket, a directory and a symlink loop', async () => {
    const root = dir('others');
    const socket = join(root, 'etc/docker/daemon.json');
    socketServer = createServer();
    await new Promise<void>((resolve) => socketServer!.listen(socket, resolve));
    await expect(files.readText(socket)).rejects.toMatchObject({ code: 'ERR_NOT_REGULAR_FILE', message: expect.stringContaining('socket') });
    fs.mkdirSync(join(root, 'etc/docker/dir.json'));
    await expect(files.readText(join(root, 'etc/docker/dir.json'))).rejects.toMatchObject({ code: 'ERR_FILE_IS_DIRECTORY', exitCode: 4 });
    await expect(files.writeAtomic(join(root, 'etc/docker/dir.json'), '{}')).rejects.toMatchObject({ code: 'ERR_FILE_IS_DIRECTORY', exitCode: 4 });
    fs.symlinkSync('loop', join(root, 'etc/docker/loop'));
    await expect(files.readText(join(root, 'etc/docker/loop'))).rejects.toMatchObject({ code: 'ERR_SYMLINK_LOOP', exitCode: 4 });
  });
});

describe('symlinks in the path', () => {
  it('certs.d/<host> a link to another directory: join cannot write there, leave cannot delete there', async () => {
    const root = dir('certsd');
    fs.mkdirSync(join(root, 'elsewhere'));
    fs.writeFileSync(join(root, 'elsewhere/ca.crt'), 'theirs');
    fs.mkdirSync(join(root, 'etc/docker/certs.d'));
    fs.symlinkSync(join(root, 'elsewhere'), join(root, 'etc/docker/certs.d/reg.example'));
    const before = snapshotFs(fs, root);
    await expect(files.writeAtomic(join(root, 'etc/docker/certs.d/reg.example/ca.crt'), 'ours')).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH', exitCode: 4 });
    await expect(files.remove(join(root, 'etc/docker/certs.d/reg.example/ca.crt'))).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH' });
    await expect(files.mkdirp(join(root, 'etc/docker/certs.d/reg.example'))).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH' });
    expect(snapshotFs(fs, root)).toEqual(before);
  });

  it('--root DIR with DIR/etc/docker → a directory outside: nothing written there', async () => {
    const root = join(base, 'rooted');
    const outside = join(base, 'rooted-outside');
    fs.mkdirSync(join(root, 'etc'), { recursive: true });
    fs.mkdirSync(outside);
    fs.symlinkSync(outside, join(root, 'etc/docker'));
    await expect(rooted(files, root).writeAtomic('/etc/docker/daemon.json', '{}')).rejects.toMatchObject({ code: 'ERR_UNSAFE_PATH', exitCode: 4, message: expect.stringContaining('--root') });
    expect(fs.readdirSync(outside)).toEqual([]);
  });
});

describe('filesystems that refuse the write', () => {
  it('an immutable daemon.json: refused up front (checkWritable) and at write time, says chattr -i', async () => {
    const path = join(dir('immutable'), 'etc/docker/daemon.json');
    fs.writeFileSync(path, '{"debug": true}\n');
    sh('chattr', '+i', path);
    immutable.push(path);
    await expect(files.checkWritable(path)).rejects.toMatchObject({ code: 'ERR_IMMUTABLE', exitCode: 4, hint: expect.stringContaining('chattr -i') });
    await expect(files.writeAtomic(path, '{}')).rejects.toMatchObject({ code: 'ERR_IMMUTABLE', exitCode: 4 });
    expect(fs.readFileSync(path, 'utf8')).toBe('{"debug": true}\n');
    expect(fs.readdirSync(join(base, 'immutable/etc/docker'))).toEqual(['daemon.json']);
  });

  it('a full disk: ERR_DISK_FULL, the old file intact, no temporary file left', async () => {
    const mount = tmpfs('full', 'size=64k');
    fs.writeFileSync(join(mount, 'daemon.json'), '{"debug": true}\n');
    // Fill what is left: tmpfs refuses the rest with ENOSPC.
    try {
      fs.writeFileSync(join(mount, 'filler'), Buffer.alloc(128 * 1024));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
    await expect(files.writeAtomic(join(mount, 'daemon.json'), `{"labels": ["${'x'.repeat(32 * 1024)}"]}`)).rejects.toMatchObject({ code: 'ERR_DISK_FULL', exitCode: 4, hint: expect.stringContaining('df -h') });
    expect(fs.readFileSync(join(mount, 'daemon.json'), 'utf8')).toBe('{"debug": true}\n');
    expect(fs.readdirSync(mount).sort()).toEqual(['daemon.json', 'filler']);
  });

  it('a read-only filesystem: ERR_READ_ONLY up front', async () => {
    const mount = tmpfs('ro', 'size=64k');
    fs.writeFileSync(join(mount, 'daemon.json'), '{}');
    sh('mount', '-o', 'remount,ro', mount);
    await expect(files.checkWritable(join(mount, 'daemon.json'))).rejects.toMatchObject({ code: 'ERR_READ_ONLY', exitCode: 4 });
    await expect(files.writeAtomic(join(mount, 'daemon.json'), '{"a":1}')).rejects.toMatchObject({ code: 'ERR_READ_ONLY', exitCode: 4 });
  });
});

describe('the credential code on real paths', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const plaintext = `{\n\t"auths": {\n\t\t"nexus.example.com": { "auth": "${b64('ci:old-secret')}" }\n\t}\n}\n`;
  const setup = (name: string, configDir?: string) => {
    const home = join(base, name);
    const env = { PATH: '/nonexistent', HOME: home, REGSETUP_CREDENTIALS_DIR: join(home, 'store'), REGSETUP_CREDENTIALS_KEY_DIR: join(home, 'key'), REGSETUP_CREDENTIALS_BACKEND: 'file', REGSETUP_CREDENTIALS_KEY_PROTECTION: 'file' };
    const dockerConfigDir = configDir ?? join(home, '.docker');
    fs.mkdirSync(dockerConfigDir, { recursive: true });
    const processes = { run: async () => ({ exitCode: 127, stdout: '', stderr: '', timedOut: false }) };
    const store = credentialStore({ files, processes, env, uid: 0 });
    const docker = fakeDockerApi({ logins: { 'nexus.example.com': { username: 'ci', password: 'right-password' } } });
    const self = { node: '/bin/true', script: '/bin/true' };
    return { home, env, dockerConfigDir, store, ports: { files, store, docker, env, uid: 0 }, self };
  };

  it('login with config.json a FIFO refuses at once and stores nothing', async () => {
    const { home, dockerConfigDir, ports, self } = setup('login-fifo');
    sh('mkfifo', join(dockerConfigDir, 'config.json'));
    await expect(loginRegistry(ports, { registry: 'nexus.example.com', username: 'ci', password: 'right-password', dockerConfigDir, root: join(home, 'root'), self })).rejects.toMatchObject({ code: 'ERR_NOT_REGULAR_FILE', exitCode: 4 });
    expect(fs.existsSync(join(home, 'store'))).toBe(false);
    expect(fs.existsSync(join(home, 'key'))).toBe(false);
  });

  it('login with an immutable config.json refuses before storing', async () => {
    const { home, dockerConfigDir, ports, self } = setup('login-immutable');
    const config = join(dockerConfigDir, 'config.json');
    fs.writeFileSync(config, plaintext);
    sh('chattr', '+i', config);
    immutable.push(config);
    await expect(loginRegistry(ports, { registry: 'nexus.example.com', username: 'ci', password: 'right-password', dockerConfigDir, root: join(home, 'root'), self })).rejects.toMatchObject({ code: 'ERR_IMMUTABLE', exitCode: 4 });
    expect(fs.existsSync(join(home, 'store'))).toBe(false);
  });

  it('creds migrate onto a full disk refuses at its lock (exit 4): nothing stored, no lock file left, config.json as it was', async () => {
    const mount = tmpfs('migrate-full', 'size=64k');
    const { store, ports } = setup('migrate-full-home', mount);
    fs.writeFileSync(join(mount, 'config.json'), `${plaintext.slice(0, -3)},\n\t"padding": "${'p'.repeat(20 * 1024)}"\n}\n`);
    try {
      fs.writeFileSync(join(mount, 'filler'), Buffer.alloc(128 * 1024));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
    const before = fs.readFileSync(join(mount, 'config.json'));
    await expect(migrateCredentials(ports, { dockerConfigDir: mount })).rejects.toMatchObject({ code: 'ERR_DISK_FULL', exitCode: 4 });
    expect(await store.list()).toEqual({});
    expect(fs.readFileSync(join(mount, 'config.json')).equals(before)).toBe(true);
    expect(fs.readdirSync(mount).sort()).toEqual(['config.json', 'filler']);
  });
});
