import * as nodeFs from 'node:fs';
import { fileError, isDirectoryError, isMissing, MAX_FILE_BYTES, notRegularError, tooLargeError, type FileOp } from './fs-errors.js';
import type { FileStat, FsModule, HandleLike, ReadOptions, StatsLike } from './files.js';
import { kindOf } from './path-guard.js';

// The read half of the files port: regular files only, opened O_NONBLOCK (a FIFO never
// hangs) and fstat'ed, read as bytes up to a bound.

// Linux values; memfs uses the same numbers.
export const C = nodeFs.constants;
export const READ = C.O_RDONLY | C.O_NONBLOCK | C.O_NOCTTY;

export const toStat = (s: StatsLike): FileStat => ({
  mode: Number(s.mode) & 0o7777, uid: Number(s.uid), gid: Number(s.gid), size: Number(s.size), mtimeMs: Number(s.mtimeMs),
  isDirectory: s.isDirectory(), kind: s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'other',
  ...(s.isFile() || s.isDirectory() ? {} : { special: kindOf(s) }),
});

export const guarded = async <T>(op: FileOp, path: string, fn: () => Promise<T>): Promise<T> => {
  try {
    return await fn();
  } catch (error) {
    throw fileError(error, op, path);
  }
};

export function readOps(fsp: FsModule['promises']) {
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
        // A file's size says how much to read (one byte more shows whether it grew meanwhile);
        // /proc files say size 0: small chunks, growing, read until the end, never past the limit.
        // allocUnsafe: only the bytes read leave here (concat copies them), and the agent reads
        // every /proc/<pid>/comm each period: zero-filled 64 KiB per read was most of its garbage.
        const size = Number(st.size);
        const chunks: Buffer[] = [];
        let total = 0;
        let want = size > 0 ? size + 1 : 4096;
        for (;;) {
          const chunk = Buffer.allocUnsafe(Math.min(want, limit + 1 - total));
          const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
          if (bytesRead === 0) break;
          chunks.push(chunk.subarray(0, bytesRead));
          total += bytesRead;
          if (total > limit) throw tooLargeError(path, undefined, limit);
          // A short read of a regular file is its end; /proc may return less than asked before it.
          if (size > 0 && bytesRead < chunk.length) break;
          want = Math.min(want * 2, 64 * 1024);
        }
        return Buffer.concat(chunks, total);
      } finally {
        await handle.close();
      }
    });
  };

  return { stat, readBytes };
}
