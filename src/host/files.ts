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
import { readOps, guarded } from './file-read.js';
import { writeOps } from './file-write.js';
import { fileError, isMissing } from './fs-errors.js';
import { withLockFile, type LockFileOps, type LockOptions } from './lock-file.js';
import { pathGuard, type GuardFs, type LstatLike } from './path-guard.js';

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
  /** For kind other: what it is ("FIFO (named pipe)", "character device", "socket"…). */
  special?: string;
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
  /** Where a symbolic link points (as written in the link); undefined when path is no link or does not exist. */
  readLink(path: string): Promise<string | undefined>;
  /** Make path a symbolic link to target, replacing whatever is there in one rename (its directory passes the rule). */
  symlinkAtomic(target: string, path: string): Promise<void>;
  /** Remove a symbolic link (never its target); nothing when path is no link. */
  removeLink(path: string): Promise<void>;
  /** Run fn while holding an exclusive lock file; RegsetupError ERR_LOCKED after the timeout. */
  withLock<T>(lockPath: string, fn: () => Promise<T>): Promise<T>;
  /** The same port with --root's rule: no symlink at or below root (host-path.ts rooted() uses it). */
  under?(root: string): Files;
}

// The subset of fs.promises we use, so memfs's `fs` fits as well as node:fs.
type Num = number | bigint;
export interface StatsLike extends LstatLike {
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
    symlink(target: string, path: string): Promise<void>;
  };
}

export interface FilesOptions extends LockOptions {
  /** Trusted bases (home directories): links above them are the system's business. */
  trusted?: readonly string[];
}

export function nodeFiles(fsImpl: FsModule = nodeFs as unknown as FsModule, options: FilesOptions = {}, root?: string): Files {
  const fsp = fsImpl.promises;
  const guard = pathGuard(fsp, { root, trusted: options.trusted });
  const { stat, readBytes } = readOps(fsp);
  const { writeAtomic, remove, checkWritable, createExclusive, symlinkAtomic, removeLink } = writeOps(fsp, guard);
  const readText = async (path: string, read?: ReadOptions) => (await readBytes(path, read))?.toString('utf8');
  const lockOps: LockFileOps = {
    create: (path, content) => guarded('lock', path, () => createExclusive(path, content)),
    read: (path) => readText(path),
    mtimeMs: async (path) => (await stat(path).catch(() => undefined))?.mtimeMs,
    unlink: (path) => remove(path),
  };
  return {
    readText,
    readBytes,
    writeAtomic,
    checkWritable,
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
    readLink: async (path) => {
      try {
        const l = await fsp.lstat(path);
        return l.isSymbolicLink() ? String(await fsp.readlink(path)) : undefined;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        throw error;
      }
    },
    symlinkAtomic,
    removeLink,
    withLock: (lockPath, fn) => withLockFile(fsp, lockOps, lockPath, fn, options),
    under: (jail) => nodeFiles(fsImpl, options, jail),
  };
}

export type { LockOptions } from './lock-file.js';
