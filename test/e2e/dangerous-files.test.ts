// The dangerous classes on the real filesystem, through bin/regsetup as a user runs it (issue 9,
// points 5 and 7): symlinks (a file, a directory on the way, a loop), a directory, a FIFO, a
// device node, an immutable file and directory (chattr +i), and a full disk — a small tmpfs of our
// own — where a join and a leave must roll back only what they changed and `status` must be true
// afterwards. Everything happens under `--root <temp dir>` with a stopped k3s (its files only, no
// daemon) and registries on 127.0.0.1, so the host is never at risk; flags and mounts are undone
// and the tree removed afterwards. Needs root (mknod, chattr, mount) and no lab:
//   npm run build && npx vitest run --project e2e test/e2e/dangerous-files.test.ts
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeRegistry, makeTestPki } from '../fakes/fake-registry.js';
import { regsetup } from './helpers/cli.js';

const REGISTRIES = '/etc/rancher/k3s/registries.yaml';
const OWN_DIR = '/etc/rancher/k3s/regsetup';
const STATE = '/var/lib/regsetup/state.json';
const ORIGINAL = '# the node\'s own\nmirrors:\n  quay.io:\n    endpoint:\n      - https://quay-cache.corp.example.com\n';

let registry: FakeRegistry;
let hostPort: string;
let root: string;
const outside = mkdtempSync(join(tmpdir(), 'regsetup-outside-'));
const mounts: string[] = [];
const immutable: string[] = [];
const sh = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' });
const at = (path: string) => join(root, path);
const write = (path: string, data: string | Buffer) => {
  mkdirSync(dirname(at(path)), { recursive: true });
  writeFileSync(at(path), data);
};
/** What a path is, as lstat sees it, with its bytes when it is a regular file. */
const describePath = (path: string) => {
  const p = at(path);
  if (!existsSync(p) && !isLink(p)) return 'absent';
  const st = lstatSync(p);
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFile()) return `file ${readFileSync(p).toString('base64')}`;
  return st.isDirectory() ? 'directory' : st.isFIFO() ? 'fifo' : st.isCharacterDevice() ? `char ${st.rdev}` : 'other';
};
const isLink = (p: string) => {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
};

const run = (...args: string[]) => regsetup([...args, '--root', root], { timeoutMs: 30_000 });
const join_ = (...extra: string[]) => run('join', hostPort, '--runtime', 'k3s', '--ca-file', '/ca.pem', '--mirror', 'none', '--no-verify', '--yes', '--json', ...extra);
const statusEntries = async () => {
  const s = await run('status', '--json');
  expect(s.exitCode, s.stderr).toBe(0);
  return s.json.registries as Array<{ registry: string; runtimes: Array<{ drift: Array<{ what: string }> }> }>;
};

function tmpfs(path: string, size: string): void {
  mkdirSync(at(path), { recursive: true });
  sh('mount', '-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'regsetup-e2e', at(path));
  mounts.push(at(path));
}

/** Writes a filler until the filesystem holding dir has not one block left. */
function fill(dir: string): void {
  try {
    writeFileSync(at(`${dir}/filler`), Buffer.alloc(4 * 1024 * 1024));
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
  }
  expect(statfsSync(at(dir)).bavail).toBe(0);
}

beforeAll(async () => {
  expect(process.getuid?.(), 'this file needs root (mknod, chattr, mount)').toBe(0);
  const pki = makeTestPki(['good']);
  registry = await FakeRegistry.start({ tls: pki.leaves.good });
  hostPort = new URL(registry.url).host;
  root = mkdtempSync(join(tmpdir(), 'regsetup-dangerous-'));
  write('/ca.pem', pki.ca);
});

afterAll(async () => {
  for (const path of immutable) sh('chattr', '-i', path);
  for (const path of mounts.reverse()) sh('umount', path);
  await registry?.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

beforeEach(() => {
  for (const dir of ['/etc/rancher', '/var/lib/regsetup', '/srv']) rmSync(at(dir), { recursive: true, force: true });
  write(REGISTRIES, ORIGINAL);
});

afterEach(() => {
  while (immutable.length > 0) sh('chattr', '-i', immutable.pop()!);
});

describe('registries.yaml is not a regular file regsetup may rewrite', () => {
  it.each<[string, () => void, string, RegExp]>([
    ['a symlink to a file elsewhere in the tree', () => {
      write('/srv/real.yaml', ORIGINAL);
      rmSync(at(REGISTRIES));
      symlinkSync(at('/srv/real.yaml'), at(REGISTRIES));
    }, 'ERR_K3S_REGISTRIES_UNSAFE', /symbolic link/],
    ['a symlink loop', () => {
      rmSync(at(REGISTRIES));
      symlinkSync(at(REGISTRIES), at(REGISTRIES));
    }, 'ERR_K3S_REGISTRIES_UNSAFE', /symbolic link|loop/],
    ['a directory', () => {
      rmSync(at(REGISTRIES));
      mkdirSync(at(REGISTRIES));
    }, 'ERR_K3S_REGISTRIES_UNSAFE', /directory/],
    ['a FIFO (nobody writes to it: a read would hang)', () => {
      rmSync(at(REGISTRIES));
      sh('mkfifo', at(REGISTRIES));
    }, 'ERR_K3S_REGISTRIES_UNSAFE', /FIFO/],
    ['a character device (a copy of /dev/null)', () => {
      rmSync(at(REGISTRIES));
      sh('mknod', at(REGISTRIES), 'c', '1', '3');
    }, 'ERR_K3S_REGISTRIES_UNSAFE', /character device/],
    ['immutable (chattr +i)', () => {
      sh('chattr', '+i', at(REGISTRIES));
      immutable.push(at(REGISTRIES));
    }, 'ERR_IMMUTABLE', /immutable/],
  ])('%s: exit 4 at once, it stays as it was, nothing else is written', async (_name, make, code, message) => {
    make();
    const before = describePath(REGISTRIES);
    const t = Date.now();
    const r = await join_();
    expect(Date.now() - t).toBeLessThan(20_000);
    expect(r.exitCode, r.stderr).toBe(4);
    expect(r.json.error.code).toBe(code);
    expect(r.json.error.message).toMatch(message);
    expect(describePath(REGISTRIES)).toBe(before);
    expect(existsSync(at(OWN_DIR))).toBe(false);
    expect(existsSync(at(STATE))).toBe(false);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe('the paths regsetup writes into', () => {
  it('its own directory a symlink to a directory outside the tree: exit 4, nothing written there', async () => {
    symlinkSync(outside, at(OWN_DIR));
    const r = await join_();
    expect(r.exitCode, r.stderr).toBe(4);
    expect(r.json.error.code).toBe('ERR_UNSAFE_PATH');
    expect(readdirSync(outside)).toEqual([]);
    expect(describePath(REGISTRIES)).toBe(`file ${Buffer.from(ORIGINAL).toString('base64')}`);
  });

  it('an immutable directory: exit 4 before the first write, no journal, no backup', async () => {
    sh('chattr', '+i', at('/etc/rancher/k3s'));
    immutable.push(at('/etc/rancher/k3s'));
    const r = await join_();
    expect(r.exitCode, r.stderr).toBe(4);
    expect(r.json.error.code).toBe('ERR_IMMUTABLE');
    expect(existsSync(at(STATE))).toBe(false);
    expect(existsSync(at('/var/lib/regsetup/backups'))).toBe(false);
  });

  it.each([
    ['a FIFO', (p: string) => sh('mkfifo', p)],
    ['a character device (a copy of /dev/zero: endless bytes)', (p: string) => sh('mknod', p, 'c', '1', '5')],
  ])('--ca-file %s: refused at once (exit 2 or 4), nothing written', async (_name, make) => {
    make(at('/ca.special'));
    try {
      const t = Date.now();
      const r = await run('join', hostPort, '--runtime', 'k3s', '--ca-file', '/ca.special', '--mirror', 'none', '--no-verify', '--yes', '--json');
      expect(Date.now() - t).toBeLessThan(20_000);
      expect([2, 4], r.stderr).toContain(r.exitCode);
      expect(describePath(REGISTRIES)).toBe(`file ${Buffer.from(ORIGINAL).toString('base64')}`);
      expect(existsSync(at(STATE))).toBe(false);
    } finally {
      rmSync(at('/ca.special'));
    }
  });
});

describe('a full disk (a tmpfs of our own under the tree)', () => {
  it('join: the CA is written, registries.yaml meets ENOSPC; only the CA is undone (exit 5), status is true, a later join and leave finish', async () => {
    rmSync(at('/etc/rancher'), { recursive: true, force: true });
    tmpfs('/etc/rancher/k3s', '64k');
    write(REGISTRIES, ORIGINAL);
    // regsetup's CA directory on a filesystem with room: the CA write succeeds, registries.yaml's cannot.
    tmpfs(OWN_DIR, '1m');
    fill('/etc/rancher/k3s');
    const original = describePath(REGISTRIES);

    const r = await join_();
    expect(r.exitCode, r.stderr).toBe(5);
    expect(r.json.error.code).toBe('ERR_APPLY_ROLLED_BACK');
    expect(r.json.error.message).toMatch(/no space left|ENOSPC/i);
    expect(describePath(REGISTRIES)).toBe(original);
    expect(readdirSync(at(OWN_DIR))).toEqual([]); // the CA and the directory made for it are gone
    expect(await statusEntries()).toEqual([]);

    // With room again: the join lands. Full again: its leave is undone in turn, and status still says so.
    rmSync(at('/etc/rancher/k3s/filler'));
    const joined = await join_();
    expect(joined.exitCode, joined.stderr).toBe(0);
    const joinedYaml = describePath(REGISTRIES);
    fill('/etc/rancher/k3s');
    const left = await run('leave', hostPort, '--yes', '--json');
    expect(left.exitCode, left.stderr).toBe(5);
    expect(left.json.error.code).toBe('ERR_APPLY_ROLLED_BACK');
    expect(describePath(REGISTRIES)).toBe(joinedYaml);
    const entries = await statusEntries();
    expect(entries.map((e) => e.registry)).toEqual([hostPort]);
    expect(entries.flatMap((e) => e.runtimes.flatMap((x) => x.drift))).toEqual([]);

    rmSync(at('/etc/rancher/k3s/filler'));
    const done = await run('leave', hostPort, '--yes', '--json');
    expect(done.exitCode, done.stderr).toBe(0);
    expect(describePath(REGISTRIES)).toBe(original);
    expect(readdirSync(at(OWN_DIR))).toEqual([]);
    expect(await statusEntries()).toEqual([]);
    for (const m of mounts.splice(0).reverse()) sh('umount', m);
  });
});
