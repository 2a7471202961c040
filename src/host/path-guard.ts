import { posix } from 'node:path';
import { refused } from '../core/errors.js';
import { fileError, isDirectoryError, isMissing, notRegularError, unchanged } from './fs-errors.js';

// The check behind the symlink rule of files.ts: walk a path one component at a time with lstat,
// before anything is written, and name the link that breaks the rule.

type Num = number | bigint;
export interface LstatLike {
  mode: Num;
  uid: Num;
  gid: Num;
  size: Num;
  ino: Num;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}

export interface GuardFs {
  lstat(path: string): Promise<LstatLike>;
  readlink(path: string): Promise<string | Buffer>;
  realpath(path: string): Promise<string | Buffer>;
}

export interface PathPolicy {
  /** --root: no symlink at or below it, except a system link that stays inside it. */
  root?: string;
  /** Declared bases (a home directory): resolved once with realpath, checked again below. */
  trusted?: readonly string[];
}

/** The usr-merge and run links, where a stock system points them (relative or absolute). */
const SYSTEM_LINKS: Record<string, readonly string[]> = {
  '/bin': ['usr/bin', '/usr/bin'],
  '/sbin': ['usr/sbin', '/usr/sbin'],
  '/lib': ['usr/lib', '/usr/lib'],
  '/lib32': ['usr/lib32', '/usr/lib32'],
  '/lib64': ['usr/lib64', '/usr/lib64'],
  '/libx32': ['usr/libx32', '/usr/libx32'],
  '/var/run': ['/run', '../run'],
  '/var/lock': ['/run/lock', '../run/lock'],
};

export const kindOf = (s: Pick<LstatLike, 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice' | 'isSymbolicLink'>): string =>
  s.isFIFO() ? 'FIFO (named pipe)' : s.isSocket() ? 'socket' : s.isCharacterDevice() ? 'character device' : s.isBlockDevice() ? 'block device' : s.isSymbolicLink() ? 'symbolic link' : 'special file';

const unsafe = (path: string, link: string, target: string, why: string) =>
  refused(
    'ERR_UNSAFE_PATH',
    `refusing to write ${path}: ${link} is a symbolic link to ${target}${why}`,
    `regsetup writes only regular files inside real directories, never through a link. Replace ${link} with the real ` +
      `directory or file (or point regsetup at the real path), then run again. ${unchanged}`,
  );

export interface Checked {
  /** The path to operate on: the trusted base (if any) resolved, the system links followed. */
  real: string;
  dir: string;
  name: string;
  /** The deepest directory of the path that exists (dir itself when it does). */
  deepest: string;
  /** lstat of the file itself; undefined when it does not exist yet. */
  existing?: LstatLike;
}

export interface PathGuard {
  /** A file path regsetup may write or remove; `allowDirectory` for a recursive remove. */
  file(path: string, options?: { allowDirectory?: boolean }): Promise<Checked>;
  /** A directory path; with `create`, the missing parts are made (mode given) one at a time. */
  dir(path: string, create?: { mode?: number; mkdir: (path: string, mode?: number) => Promise<void> }): Promise<string>;
}

export function pathGuard(fs: GuardFs, policy: PathPolicy): PathGuard {
  const root = policy.root === undefined || policy.root === '/' ? undefined : posix.resolve(policy.root);
  const resolved = new Map<string, Promise<string | undefined>>();
  const realBase = (base: string) => {
    let found = resolved.get(base);
    if (found === undefined) {
      found = fs.realpath(base).then(String, () => undefined);
      resolved.set(base, found);
    }
    return found;
  };

  const lstat = async (path: string, original: string): Promise<LstatLike | undefined> => {
    try {
      return await fs.lstat(path);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw fileError(error, 'stat', original);
    }
  };

  const hostLink = (at: string, target: string): string | undefined =>
    SYSTEM_LINKS[at]?.includes(target) ? posix.resolve(posix.dirname(at), target) : undefined;
  // Under --root a system link counts only when it is relative and stays inside the tree:
  // an absolute target names the host's directory, not the tree's.
  const jailLink = (jail: string) => (at: string, target: string): string | undefined => {
    const inside = at.slice(jail.length);
    if (target.startsWith('/') || !SYSTEM_LINKS[inside]?.includes(target)) return undefined;
    const next = posix.resolve(posix.dirname(at), target);
    return next.startsWith(`${jail}/`) ? next : undefined;
  };

  type Follow = (at: string, target: string) => string | undefined;
  type Create = { mode?: number; mkdir: (path: string, mode?: number) => Promise<void> };

  type Walked = { real: string; exists: boolean; deepest: string };

  /** Check (and with create, make) each of parts below the real directory start. */
  const walkParts = async (start: string, parts: string[], follow: Follow, original: string, why: string, create?: Create): Promise<Walked> => {
    let current = start;
    let exists = true;
    let deepest = start;
    for (const part of parts) {
      const next = posix.join(current, part);
      const stat = exists ? await lstat(next, original) : undefined;
      if (stat === undefined) {
        if (exists) deepest = current;
        exists = false;
        if (create !== undefined) await makeDir(next, create, original);
        current = next;
        continue;
      }
      if (stat.isSymbolicLink()) {
        const target = String(await fs.readlink(next)).replace(/(.)\/+$/, '$1');
        const followed = follow(next, target);
        if (followed === undefined) throw unsafe(original, next, target, why);
        // The target must itself be reached through real directories (system link targets are never keys, so this ends).
        const sub = await walk(followed, original, create);
        current = sub.real;
        if (!sub.exists) {
          if (exists) deepest = sub.deepest;
          exists = false;
        }
        continue;
      }
      if (!stat.isDirectory()) {
        throw refused('ERR_NOT_A_DIRECTORY', `refusing to write ${original}: ${next} is a ${stat.isFile() ? 'regular file' : kindOf(stat)}, not a directory`, `Move it away, then run again. ${unchanged}`);
      }
      current = next;
    }
    return { real: current, exists, deepest: exists ? current : deepest };
  };

  const makeDir = async (path: string, create: Create, original: string) => {
    try {
      await create.mkdir(path, create.mode);
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw fileError(error, 'mkdir', path);
      // Made by someone else meanwhile: only a real directory will do.
      if (!(await lstat(path, original))?.isDirectory()) throw unsafe(original, path, 'something made meanwhile', '');
    }
  };

  const split = (path: string) => path.split('/').filter(Boolean);

  /** The real path of an absolute directory path, every component checked. */
  const walk = async (absolute: string, original: string, create?: Create): Promise<Walked> => {
    if (root !== undefined && (absolute === root || absolute.startsWith(`${root}/`))) {
      // Above the root the host's own rules; the root itself and everything below: no link.
      const above = await walkParts('/', split(posix.dirname(root)), hostLink, original, '', create);
      if (!above.exists && create === undefined) return { real: posix.join(above.real, posix.relative(posix.dirname(root), absolute)), exists: false, deepest: above.deepest };
      const jail = posix.join(above.real, posix.basename(root));
      const rootStat = await lstat(jail, original);
      if (rootStat?.isSymbolicLink()) throw unsafe(original, jail, String(await fs.readlink(jail)), ` (--root ${root} must be a real directory)`);
      const below = split(posix.relative(root, absolute));
      return walkParts(posix.dirname(jail), [posix.basename(root), ...below], jailLink(jail), original, ` (under --root ${root} no link is followed)`, create);
    }
    const base = root === undefined ? longestBase(policy.trusted ?? [], absolute) : undefined;
    const real = base === undefined ? undefined : await realBase(base);
    if (base !== undefined && real !== undefined) return walkParts(real, split(posix.relative(base, absolute)), hostLink, original, '', create);
    return walkParts('/', split(absolute), hostLink, original, '', create);
  };

  return {
    file: async (path, options = {}) => {
      const absolute = posix.resolve('/', path);
      const { real: dir, exists, deepest } = await walk(posix.dirname(absolute), path);
      const name = posix.basename(absolute);
      const real = posix.join(dir, name);
      const existing = exists ? await lstat(real, path) : undefined;
      if (existing === undefined) return { real, dir, name, deepest };
      if (existing.isSymbolicLink()) throw unsafe(path, real, String(await fs.readlink(real)), '');
      if (existing.isDirectory() && !options.allowDirectory) throw isDirectoryError(path);
      if (!existing.isFile() && !existing.isDirectory()) throw notRegularError(path, kindOf(existing));
      return { real, dir, name, deepest, existing };
    },
    dir: async (path, create) => (await walk(posix.resolve('/', path), path, create)).real,
  };
}

function longestBase(bases: readonly string[], absolute: string): string | undefined {
  let best: string | undefined;
  for (const raw of bases) {
    const base = posix.resolve('/', raw);
    if (base === '/' || !(absolute === base || absolute.startsWith(`${base}/`))) continue;
    if (best === undefined || base.length > best.length) best = base;
  }
  return best;
}
