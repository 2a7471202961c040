import * as nodeFs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { lockFileOps, withLockFile, type LockOptions } from './lock-file.js';

export interface FileStat {
  /** Permission bits only (st_mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  isDirectory: boolean;
}

export interface WriteOptions {
  mode?: number;
  uid?: number;
  gid?: number;
}

/** The files port. Every read and write of the host goes through one of these. */
export interface Files {
  /** undefined when the file does not exist. */
  readText(path: string): Promise<string | undefined>;
  /** Readers see the old file or the new one, never half of one, even across a crash. */
  writeAtomic(path: string, data: string | Buffer, options?: WriteOptions): Promise<void>;
  stat(path: string): Promise<FileStat | undefined>;
  /** No error when missing. Directories only with recursive. */
  remove(path: string, options?: { recursive?: boolean }): Promise<void>;
  mkdirp(path: string, mode?: number): Promise<void>;
  /** Sorted names; empty when the directory does not exist. */
  readdir(path: string): Promise<string[]>;
  exists(path: string): Promise<boolean>;
  /** The target of a symbolic link, as written; undefined when path is missing or not a link. */
  readLink(path: string): Promise<string | undefined>;
  /** Make path a symbolic link to target, replacing whatever is there in one rename. */
  symlinkAtomic(target: string, path: string): Promise<void>;
  /** Run fn while holding an exclusive lock file; RegsetupError ERR_LOCKED after the timeout. */
  withLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T>;
}

// The subset of fs.promises we use, so memfs's `fs` fits as well as node:fs.
interface HandleLike {
  writeFile(data: string | Uint8Array): Promise<void>;
  stat(): Promise<{ uid: number | bigint; gid: number | bigint }>;
  sync?(): Promise<void>;
  chmod?(mode: number): Promise<void>;
  chown?(uid: number, gid: number): Promise<void>;
  close(): Promise<void>;
}
// memfs types its numbers as number | bigint.
type Num = number | bigint;
interface StatsLike { mode: Num; uid: Num; gid: Num; size: Num; mtimeMs: Num; isDirectory(): boolean }
export interface FsModule {
  promises: {
    readFile(path: string, encoding: 'utf8'): Promise<string | Buffer>;
    open(path: string, flags: string, mode?: number): Promise<HandleLike>;
    stat(path: string): Promise<StatsLike>;
    realpath(path: string): Promise<string | Buffer>;
    rename(from: string, to: string): Promise<void>;
    rm(path: string, options: { recursive?: boolean; force?: boolean }): Promise<void>;
    mkdir(path: string, options: { recursive: true; mode?: number }): Promise<unknown>;
    readdir(path: string): Promise<unknown[]>;
    unlink(path: string): Promise<void>;
    readlink(path: string): Promise<string | Buffer>;
    symlink(target: string, path: string): Promise<void>;
  };
}

const missing = (error: unknown): boolean => {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};

const tempNameFor = (path: string) => join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);

export function nodeFiles(fsImpl: FsModule = nodeFs as unknown as FsModule, lock: LockOptions = {}): Files {
  const fsp = fsImpl.promises;

  const stat = async (path: string): Promise<FileStat | undefined> => {
    try {
      const s = await fsp.stat(path);
      return { mode: Number(s.mode) & 0o7777, uid: Number(s.uid), gid: Number(s.gid), size: Number(s.size), mtimeMs: Number(s.mtimeMs), isDirectory: s.isDirectory() };
    } catch (error) {
      if (missing(error)) return undefined;
      throw error;
    }
  };

  const readText = async (path: string): Promise<string | undefined> => {
    try {
      return String(await fsp.readFile(path, 'utf8'));
    } catch (error) {
      if (missing(error)) return undefined;
      throw error;
    }
  };

  const remove = async (path: string, options: { recursive?: boolean } = {}): Promise<void> => {
    await fsp.rm(path, { force: true, recursive: options.recursive === true });
  };

  // fsync of a directory is refused on some filesystems (EINVAL, EISDIR); the rename
  // itself already happened, so durability is best effort there.
  const syncDir = async (dir: string): Promise<void> => {
    try {
      const handle = await fsp.open(dir, 'r');
      try {
        await handle.sync?.();
      } finally {
        await handle.close();
      }
    } catch {
      /* best effort */
    }
  };

  const writeAtomic = async (path: string, data: string | Buffer, options: WriteOptions = {}): Promise<void> => {
    const before = await stat(path);
    // Write through a symlink (e.g. daemon.json managed elsewhere) instead of replacing it.
    const target = before === undefined ? path : String(await fsp.realpath(path));
    const mode = options.mode ?? before?.mode ?? 0o644;
    const uid = options.uid ?? before?.uid;
    const gid = options.gid ?? before?.gid;
    const temp = tempNameFor(target);
    const handle = await fsp.open(temp, 'wx', 0o600);
    try {
      try {
        await handle.writeFile(data);
        await handle.sync?.();
        // chmod after open: the mode given to open() is cut by the umask.
        await handle.chmod?.(mode);
        const stat = await handle.stat();
        const current = { uid: Number(stat.uid), gid: Number(stat.gid) };
        // Only chown when the owner must change, so an unprivileged run writing its own files works.
        if ((uid !== undefined && uid !== current.uid) || (gid !== undefined && gid !== current.gid)) {
          await handle.chown?.(uid ?? current.uid, gid ?? current.gid);
        }
      } finally {
        await handle.close();
      }
      await fsp.rename(temp, target);
    } catch (error) {
      await remove(temp).catch(() => undefined);
      throw error;
    }
    await syncDir(dirname(target));
  };

  const readLink = async (path: string): Promise<string | undefined> => {
    try {
      return String(await fsp.readlink(path));
    } catch (error) {
      // EINVAL: it exists but is not a link.
      if (missing(error) || (error as NodeJS.ErrnoException).code === 'EINVAL') return undefined;
      throw error;
    }
  };

  // A link cannot be written in place: make it under a temporary name, then rename it over path.
  const symlinkAtomic = async (target: string, path: string): Promise<void> => {
    const temp = tempNameFor(path);
    await fsp.symlink(target, temp);
    try {
      await fsp.rename(temp, path);
    } catch (error) {
      await fsp.unlink(temp).catch(() => undefined);
      throw error;
    }
    await syncDir(dirname(path));
  };

  const lockOps = lockFileOps(fsp, readText);
  const files: Files = {
    readText,
    writeAtomic,
    stat,
    remove,
    mkdirp: async (path, mode) => {
      await fsp.mkdir(path, mode === undefined ? { recursive: true } : { recursive: true, mode });
    },
    readdir: async (path) => {
      try {
        return (await fsp.readdir(path)).map(String).sort();
      } catch (error) {
        if (missing(error)) return [];
        throw error;
      }
    },
    exists: async (path) => (await stat(path)) !== undefined,
    readLink,
    symlinkAtomic,
    withLock: (lockPath, fn) => withLockFile(fsp, lockOps, lockPath, fn, lock),
  };
  return files;
}

export type { LockOptions } from './lock-file.js';
