import { mkdir, mkdtemp, rm, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchPaths, type Watcher } from '../../src/host/watch.js';

// Real inotify on a temp tree: the watcher is host I/O, so it is tested against the real thing.
let dir: string;
let watcher: Watcher | undefined;
afterEach(async () => {
  watcher?.close();
  await rm(dir, { recursive: true, force: true });
});

function collect(paths: string[], debounceMs = 30) {
  const seen: string[][] = [];
  watcher = watchPaths(paths, (changed) => seen.push(changed.sort()), { root: dir, debounceMs });
  const next = async (timeoutMs = 3000) => {
    const before = seen.length;
    const deadline = Date.now() + timeoutMs;
    while (seen.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return seen[before];
  };
  return { seen, next };
}

describe('watchPaths', () => {
  it('sees a file replaced by rename (an atomic write), once per burst, and not unrelated files', async () => {
    dir = await mkdtemp(join(tmpdir(), 'regsetup-watch-'));
    await mkdir(join(dir, 'etc/docker'), { recursive: true });
    await writeFile(join(dir, 'etc/docker/daemon.json'), '{}');
    const w = collect(['/etc/docker/daemon.json']);
    await writeFile(join(dir, 'etc/docker/other.json'), '{}');
    await writeFile(join(dir, 'etc/docker/.daemon.json.0123456789ab.tmp'), '{"a":1}');
    await rename(join(dir, 'etc/docker/.daemon.json.0123456789ab.tmp'), join(dir, 'etc/docker/daemon.json'));
    await writeFile(join(dir, 'etc/docker/daemon.json'), '{"b":2}');
    expect(await w.next()).toEqual(['/etc/docker/daemon.json']);
    await new Promise((r) => setTimeout(r, 100));
    expect(w.seen).toHaveLength(1);
  });

  it('a directory deleted and created again is still watched (certs.d/<host>)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'regsetup-watch-'));
    const certs = join(dir, 'etc/docker/certs.d/nexus.example.com');
    await mkdir(certs, { recursive: true });
    await writeFile(join(certs, 'ca.crt'), 'x');
    const w = collect(['/etc/docker/certs.d/nexus.example.com']);
    await rm(certs, { recursive: true });
    expect(await w.next()).toEqual(['/etc/docker/certs.d/nexus.example.com']);
    await mkdir(certs, { recursive: true });
    expect(await w.next()).toEqual(['/etc/docker/certs.d/nexus.example.com']);
    await new Promise((r) => setTimeout(r, 60));
    await writeFile(join(certs, 'ca.crt'), 'y');
    expect(await w.next()).toEqual(['/etc/docker/certs.d/nexus.example.com']);
  });

  it('a file whose directory does not exist yet is seen once it is created', async () => {
    dir = await mkdtemp(join(tmpdir(), 'regsetup-watch-'));
    await mkdir(join(dir, 'etc'), { recursive: true });
    const w = collect(['/etc/regsetup/regsetup.yaml']);
    await mkdir(join(dir, 'etc/regsetup'));
    await w.next();
    await new Promise((r) => setTimeout(r, 60));
    await writeFile(join(dir, 'etc/regsetup/regsetup.yaml'), 'version: 1\n');
    expect(await w.next()).toEqual(['/etc/regsetup/regsetup.yaml']);
  });
});
