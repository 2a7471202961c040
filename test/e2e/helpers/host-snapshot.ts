// A byte-for-byte snapshot of host paths, for the e2e suite's global setup: content, mode, owner,
// symlinks as symlinks, absence as absence. The copy is a tar archive (GNU tar keeps all of that,
// numeric owners, absolute names); the manifest is what teardown compares against.
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface Entry {
  path: string;
  type: 'absent' | 'file' | 'dir' | 'symlink' | 'other';
  mode?: number;
  uid?: number;
  gid?: number;
  /** sha256 of a file's bytes. */
  sha256?: string;
  /** A symlink's target, as written. */
  target?: string;
}

async function describe(path: string): Promise<Entry> {
  const st = await lstat(path).catch(() => null);
  if (!st) return { path, type: 'absent' };
  const base = { path, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  if (st.isSymbolicLink()) return { ...base, type: 'symlink', target: await readlink(path) };
  if (st.isDirectory()) return { ...base, type: 'dir' };
  if (st.isFile()) return { ...base, type: 'file', sha256: createHash('sha256').update(await readFile(path)).digest('hex') };
  return { ...base, type: 'other' };
}

/** Every entry under each root (roots included; a symlink is not followed). */
export async function manifest(roots: readonly string[]): Promise<Entry[]> {
  const out: Entry[] = [];
  const walk = async (path: string): Promise<void> => {
    const e = await describe(path);
    out.push(e);
    if (e.type !== 'dir') return;
    for (const name of (await readdir(path)).sort()) await walk(join(path, name));
  };
  for (const root of roots) await walk(root);
  return out;
}

/** Human-readable differences between two manifests (empty: identical). */
export function diffManifests(saved: Entry[], now: Entry[]): string[] {
  const key = (e: Entry) => JSON.stringify({ ...e, path: undefined });
  const a = new Map(saved.map((e) => [e.path, e]));
  const b = new Map(now.map((e) => [e.path, e]));
  const out: string[] = [];
  for (const [path, e] of a) {
    const f = b.get(path);
    if (!f) out.push(`${path}: gone (was ${e.type})`);
    else if (key(e) !== key(f)) out.push(`${path}: was ${key(e)}, now ${key(f)}`);
  }
  for (const path of b.keys()) if (!a.has(path)) out.push(`${path}: new`);
  return out;
}

/** Archives the roots that exist into `tarFile`; returns their manifest. */
export async function saveSnapshot(roots: readonly string[], tarFile: string): Promise<Entry[]> {
  const entries = await manifest(roots);
  const present = roots.filter((r) => entries.find((e) => e.path === r)!.type !== 'absent');
  // tar refuses an empty archive; with every root absent there is nothing to put back but absence.
  if (present.length > 0) await execa('tar', ['--create', '--file', tarFile, '--absolute-names', '--numeric-owner', '--xattrs', '--acls', '--', ...present]);
  return entries;
}

/** Puts every root back as saved: removed, then extracted from the archive (absent ones stay absent). */
export async function restoreSnapshot(roots: readonly string[], tarFile: string, saved: Entry[]): Promise<void> {
  for (const root of roots) await rm(root, { recursive: true, force: true });
  if (roots.some((r) => saved.find((e) => e.path === r)?.type !== 'absent')) {
    await execa('tar', ['--extract', '--file', tarFile, '--absolute-names', '--numeric-owner', '--same-permissions', '--same-owner', '--xattrs', '--acls']);
  }
}
