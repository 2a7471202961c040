// The files port: every read and write of a host file goes through here.
//
// THE SYMLINK RULE. regsetup writes, replaces and removes only regular files inside real
// directories. No component of a path it writes or removes may be a symbolic link, and the file
// itself (when it exists) must be a regular file — not a symlink, device, FIFO, socket or
// directory — with two exceptions that belong to the system's layout, not to a managed
// configuration:
//   (a) the usr-merge and run links /bin /sbin /lib /lib32 /lib64 /libx32 → usr/…,
//       /var/run → /run and /var/lock → /run/lock, when they point where they normally do;
//   (b) a trusted base the caller declares (a user's home directory), resolved once with
//       realpath; below it the rule applies again.
// Under --root DIR a symlink at or below DIR is refused outright (a system link inside the tree
// only counts when it is relative and stays inside DIR). A violation is ERR_UNSAFE_PATH (exit 4),
// naming the path, the link and its target, and nothing is written.
//
// It is checked up front (checkWritable, so a plan can be refused before its first write) and
// again at write time: the temporary file is created with O_EXCL|O_NOFOLLOW in the checked
// directory and renamed within it; an existing file is opened with O_NOFOLLOW|O_NONBLOCK and
// fstat'ed (its mode and owner come from that handle, never from a path); chmod and chown go
// through the handle. Node has no openat/renameat, so a directory swapped for a link between the
// check and the rename is caught by comparing the temporary file's inode through its path.
//
// Reads follow links (reading is harmless; a write through the same path is refused) but refuse
// non-regular files — a FIFO opened O_NONBLOCK and fstat'ed never hangs — and anything larger
// than MAX_FILE_BYTES (4 MiB), read as bytes. readText is for files regsetup only reads; a file
// it may rewrite is read with readBytes, so bytes it does not own are written back unchanged.
import * as nodeFs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { refused } from '../core/errors.js';
import { fileError, isDirectoryError, isMissing, MAX_FILE_BYTES, notRegularError, tooLargeError, type FileOp } from './fs-errors.js';
import { withLockFile, type LockFileOps, type LockOptions } from './lock-file.js';
import { kindOf, pathGuard, type GuardFs, type LstatLike } from './path-guard.js';

export { MAX_FILE_BYTES } from './fs-errors.js';

export interface FileStat {
  /** Permission bits only (st_mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  isDirectory: boolean;
  kind: 'file' | 'directory' | 'other';
}

export interface WriteOptions {
  mode?: number;
  uid?: number;
  gid?: number;
}

export interface ReadOptions {
  /** Refuse (ERR_FILE_TOO_LARGE) beyond this; MAX_FILE_BYTES by default. */
  maxBytes?: number;
}

export interface Files {
  /** undefined when the file does not exist. UTF-8, invalid bytes as U+FFFD: for files regsetup only reads. */
  readText(path: string, options?: ReadOptions): Promise<string | undefined>;
  /** The file's bytes; undefined when it does not exist. */
  readBytes(path: string, options?: ReadOptions): Promise<Buffer | undefined>;
  /** Readers see the old file or the new one, never half of one, even across a crash. */
  writeAtomic(path: string, data: string | Uint8Array, options?: WriteOptions): Promise<void>;
  /** Throws (ERR_UNSAFE_PATH, …) when the symlink rule forbids writing or removing path; writes nothing. */
  checkWritable(path: string): Promise<void>;
  stat(path: string): Promise<FileStat | undefined>;
  /** No error when missing. Directories only with recursive. */
  remove(path: string, options?: { recursive?: boolean }): Promise<void>;
  mkdirp(path: string, mode?: number): Promise<void>;
  /** Sorted names; empty when the directory does not exist. */
  readdir(path: string): Promise<string[]>;
  exists(path: string): Promise<boolean>;
  /** Run fn while holding an exclusive lock file; RegsetupError ERR_LOCKED after the timeout. */
  withLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T>;
  /** The same port with --root's rule: no symlink at or below root (host-path.ts rooted() uses it). */
  under?(root: string): Files;
}

// The subset of fs.promises we use, so memfs's `fs` fits as well as node:fs.
type Num = number | bigint;
interface StatsLike extends LstatLike {
  mtimeMs: Num;
}
export interface HandleLike {
  writeFile(data: string | Uint8Array): Promise<void>;
  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesRead: number }>;
  stat(): Promise<StatsLike>;
  sync?(): Promise<void>;
  chmod?(mode: number): Promise<void>;
  chown?(uid: number, gid: number): Promise<void>;
  close(): Promise<void>;
}
export interface FsModule {
  constants?: Record<string, number>;
  promises: GuardFs & {
    open(path: string, flags: number | string, mode?: number): Promise<HandleLike>;
    stat(path: string): Promise<StatsLike>;
    rename(from: string, to: string): Promise<void>;
    rm(path: string, options: { recursive?: boolean; force?: boolean }): Promise<void>;
    mkdir(path: string, options?: { recursive?: boolean; mode?: number }): Promise<unknown>;
    readdir(path: string): Promise<unknown[]>;
    unlink(path: string): Promise<void>;
    access(path: string, mode: number): Promise<void>;
  };
}

export interface FilesOptions extends LockOptions {
  /** Trusted bases (home directories): links above them are the system's business. */
  trusted?: readonly string[];
}

// Linux values; memfs uses the same numbers.
const C = nodeFs.constants;
const READ = C.O_RDONLY | C.O_NONBLOCK | C.O_NOCTTY;
const CREATE = C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW;

const toStat = (s: StatsLike): FileStat => ({
  mode: Number(s.mode) & 0o7777, uid: Number(s.uid), gid: Number(s.gid), size: Number(s.size), mtimeMs: Number(s.mtimeMs),
  isDirectory: s.isDirectory(), kind: s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other',
});

const movedError = (path: string, dir: string) =>
  refused('ERR_UNSAFE_PATH', `refusing to write ${path}: ${dir} was replaced while regsetup wrote into it`, 'Find out what changes that directory, then run again. Nothing was changed.');

const guarded = async <T>(op: FileOp, path: string, fn: () => Promise<T>): Promise<T> => {
  try {
    return await fn();
  } catch (error) {
    throw fileError(error, op, path);
  }
};

export function nodeFiles(fsImpl: FsModule = nodeFs as unknown as FsModule, options: FilesOptions = {}, root?: string): Files {
  const fsp = fsImpl.promises;
  const guard = pathGuard(fsp, { root, trusted: options.trusted });

  const stat = async (path: string): Promise<FileStat | undefined> => {
    try {
      return toStat(await fsp.stat(path));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw fileError(error, 'stat', path);
    }
  };

  const readBytes = async (path: string, read: ReadOptions = {}): Promise<Buffer | undefined> => {
    const limit = read.maxBytes ?? MAX_FILE_BYTES;
    const before = await fsp.stat(path).catch((error: unknown) => {
      if (isMissing(error)) return undefined;
      throw fileError(error, 'read', path);
    });
    if (before === undefined) return undefined;
    // Refused before opening: opening a device can have effects of its own.
    if (!before.isFile()) throw before.isDirectory() ? isDirectoryError(path) : notRegularError(path, kindOf(before));
    let handle: HandleLike;
    try {
      handle = await fsp.open(path, READ);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw fileError(error, 'read', path);
    }
    return guarded('read', path, async () => {
      try {
        const st = await handle.stat();
        if (!st.isFile()) throw st.isDirectory() ? isDirectoryError(path) : notRegularError(path, kindOf(st));
        if (Number(st.size) > limit) throw tooLargeError(path, Number(st.size), limit);
        // /proc files say size 0: read until the end, but never past the limit.
        const chunks: Buffer[] = [];
        let total = 0;
        for (;;) {
          const chunk = Buffer.alloc(Math.min(64 * 1024, limit + 1 - total));
          const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
          if (bytesRead === 0) break;
          chunks.push(chunk.subarray(0, bytesRead));
          total += bytesRead;
          if (total > limit) throw tooLargeError(path, undefined, limit);
        }
        return Buffer.concat(chunks, total);
      } finally {
        await handle.close();
      }
    });
  };

  // fsync of a directory is refused on some filesystems (EINVAL, EISDIR); the rename
  // itself already happened, so durability is best effort there.
  const syncDir = async (dir: string): Promise<void> => {
    try {
      const handle = await fsp.open(dir, C.O_RDONLY | C.O_DIRECTORY);
      try {
        await handle.sync?.();
      } finally {
        await handle.close();
      }
    } catch {
      /* best effort */
    }
  };

  const writeAtomic = async (path: string, data: string | Uint8Array, write: WriteOptions = {}): Promise<void> => {
    const target = await guard.file(path);
    const before = target.existing === undefined ? undefined : await ownerOf(target.real, path);
    const mode = write.mode ?? before?.mode ?? 0o644;
    const uid = write.uid ?? before?.uid;
    const gid = write.gid ?? before?.gid;
    const temp = posix.join(target.dir, `.${target.name}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await guarded('write', path, () => fsp.open(temp, CREATE, 0o600));
    try {
      await guarded('write', path, async () => {
        try {
          await handle.writeFile(data);
          await handle.sync?.();
          // chmod after open: the mode given to open() is cut by the umask.
          await handle.chmod?.(mode);
          const own = await handle.stat();
          // Only chown when the owner must change, so an unprivileged run writing its own files works.
          if ((uid !== undefined && uid !== Number(own.uid)) || (gid !== undefined && gid !== Number(own.gid))) {
            await handle.chown?.(uid ?? Number(own.uid), gid ?? Number(own.gid));
          }
          const seen = await fsp.lstat(temp);
          if (Number(seen.ino) !== Number(own.ino) || !seen.isFile()) throw movedError(path, target.dir);
        } finally {
          await handle.close();
        }
        await fsp.rename(temp, target.real);
      });
    } catch (error) {
      await fsp.unlink(temp).catch(() => undefined);
      throw error;
    }
    await syncDir(target.dir);
  };

  // The mode and owner of an existing file, from a handle that cannot be a link or block.
  const ownerOf = (real: string, path: string) =>
    guarded('write', path, async () => {
      const handle = await fsp.open(real, READ | C.O_NOFOLLOW);
      try {
        const st = await handle.stat();
        if (!st.isFile()) throw notRegularError(path, kindOf(st));
        return { mode: Number(st.mode) & 0o7777, uid: Number(st.uid), gid: Number(st.gid) };
      } finally {
        await handle.close();
      }
    });

  const remove = async (path: string, opts: { recursive?: boolean } = {}): Promise<void> => {
    const target = await guard.file(path, { allowDirectory: true });
    if (target.existing === undefined) return;
    if (target.existing.isDirectory() && opts.recursive !== true) throw isDirectoryError(path);
    await guarded('remove', path, () =>
      target.existing!.isDirectory() ? fsp.rm(target.real, { recursive: true, force: true }) : fsp.unlink(target.real).catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      }),
    );
  };

  const readText = async (path: string, read?: ReadOptions) => (await readBytes(path, read))?.toString('utf8');

  const files: Files = {
    readText,
    readBytes,
    writeAtomic,
    checkWritable: async (path) => {
      const target = await guard.file(path);
      // access(2) W_OK reports an immutable or append-only flag (EPERM), a read-only mount (EROFS)
      // and missing permission without writing a byte; a write would meet them half-way.
      await guarded('write', path, () => fsp.access(target.existing === undefined ? target.deepest : target.real, C.W_OK));
      if (target.existing !== undefined) await guarded('write', path, () => fsp.access(target.deepest, C.W_OK));
    },
    stat,
    remove,
    mkdirp: async (path, mode) => {
      await guard.dir(path, { mode, mkdir: async (dir, m) => void (await fsp.mkdir(dir, m === undefined ? {} : { mode: m })) });
    },
    readdir: async (path) => {
      try {
        return (await fsp.readdir(path)).map(String).sort();
      } catch (error) {
        if (isMissing(error)) return [];
        throw fileError(error, 'list', path);
      }
    },
    exists: async (path) => (await stat(path)) !== undefined,
    withLock: (lockPath, fn) => withLockFile(fsp, lockOps, lockPath, fn, options),
    under: (jail) => nodeFiles(fsImpl, options, jail),
  };
  const lockOps: LockFileOps = {
    create: async (path, content) => {
      const target = await guard.file(path);
      try {
        const handle = await fsp.open(target.real, CREATE, 0o644);
        try {
          await handle.writeFile(content);
        } finally {
          await handle.close();
        }
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw fileError(error, 'lock', path);
      }
    },
    read: (path) => readText(path),
    mtimeMs: async (path) => (await stat(path).catch(() => undefined))?.mtimeMs,
    unlink: (path) => remove(path),
  };
  return files;
}

export type { LockOptions } from './lock-file.js';
