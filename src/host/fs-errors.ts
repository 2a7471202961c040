import { posix } from 'node:path';
import type { ErrorCode } from '../core/error-codes.js';
import { refused, RegsetupError } from '../core/errors.js';

// A failing system call is never a bug of regsetup: each errno the files port can meet becomes a
// RegsetupError with its own code, the path, and what to do (exit 4: the file port changes a file
// all at once or not at all, so a failed call leaves the file as it was).

export type FileOp = 'read' | 'write' | 'remove' | 'mkdir' | 'list' | 'stat' | 'lock';

const verb: Record<FileOp, string> = {
  read: 'read', write: 'write', remove: 'remove', mkdir: 'create the directory', list: 'list', stat: 'look at', lock: 'lock',
};

/** The largest file regsetup reads to parse (daemon.json, config.json, CA files, the journal…). */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

export const unchanged = 'Nothing was changed.';

export const isDirectoryError = (path: string) =>
  refused('ERR_FILE_IS_DIRECTORY', `${path} is a directory where regsetup expects a file`, `Move it away (or name the right file) and run again. ${unchanged}`);

export const notRegularError = (path: string, kind: string) =>
  refused(
    'ERR_NOT_REGULAR_FILE',
    `${path} is a ${kind}, not a regular file; regsetup reads and writes only regular files`,
    `Replace it with a regular file (or remove it), then run again. ${unchanged}`,
  );

export const tooLargeError = (path: string, size: number | undefined, limit: number) =>
  refused(
    'ERR_FILE_TOO_LARGE',
    `${path} is larger than ${limit / 1024 / 1024} MiB${size === undefined ? '' : ` (${size} bytes)`}: regsetup reads at most ${limit / 1024 / 1024} MiB from a file it parses`,
    `That is not a configuration file regsetup can work with: check what it holds. ${unchanged}`,
  );

/** The errno of a node:fs or memfs error, if it has one. */
export const errnoOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
};

export const isMissing = (error: unknown): boolean => ['ENOENT', 'ENOTDIR'].includes(errnoOf(error) ?? '');

/** A RegsetupError for a failed file call; anything that is not an errno error is returned as it is (a bug). */
export function fileError(error: unknown, op: FileOp, path: string): unknown {
  if (error instanceof RegsetupError) return error;
  const code = errnoOf(error);
  if (code === undefined) return error;
  const dir = posix.dirname(path);
  const doing = `${verb[op]} ${path}`;
  const fail = (name: ErrorCode, message: string, hint: string) => new RegsetupError(name, message, { hint, cause: error, exitCode: 4 });
  switch (code) {
    case 'EISDIR':
      return isDirectoryError(path);
    case 'ELOOP':
      return fail('ERR_SYMLINK_LOOP', `cannot ${doing}: too many levels of symbolic links (a symlink loop)`, `Look at each part of the path with ls -l and remove the loop. ${unchanged}`);
    case 'ENOSPC':
    case 'EDQUOT':
      return fail(
        'ERR_DISK_FULL',
        `cannot ${doing}: ${code === 'EDQUOT' ? 'the disk quota is exhausted' : 'no space left on the device'} (${code})`,
        `Free space on the filesystem that holds ${dir} (df -h ${dir}), then run again. The old file is unchanged.`,
      );
    case 'EROFS':
      return fail('ERR_READ_ONLY', `cannot ${doing}: ${dir} is on a read-only filesystem (EROFS)`, `Remount it read-write, or build an image tree with --root. ${unchanged}`);
    case 'EPERM':
      if (op === 'write' || op === 'remove' || op === 'mkdir' || op === 'lock') {
        return fail(
          'ERR_IMMUTABLE',
          `cannot ${doing}: operation not permitted (EPERM); the file or its directory is probably immutable or append-only`,
          `Check with lsattr ${path} and lsattr -d ${dir}: an "i" or "a" flag is removed with chattr -i (or chattr -a) by root. Not root? Run as root. ${unchanged}`,
        );
      }
      return fail('ERR_PERMISSION', `cannot ${doing}: operation not permitted (EPERM)`, `Run as root, or as the user who owns it. ${unchanged}`);
    case 'EACCES':
      return fail('ERR_PERMISSION', `cannot ${doing}: permission denied (EACCES)`, `Run as root (sudo), or as the user who owns ${path}. ${unchanged}`);
    case 'ENOTDIR':
      return fail('ERR_NOT_A_DIRECTORY', `cannot ${doing}: a part of the path is not a directory (ENOTDIR)`, `Look at each part of ${path} with ls -ld. ${unchanged}`);
    case 'ENOENT':
      return fail('ERR_FILE_MISSING_DIRECTORY', `cannot ${doing}: ${dir} does not exist (ENOENT); it may have been removed meanwhile`, `Run again. ${unchanged}`);
    case 'ENXIO':
      return notRegularError(path, 'socket or device without a reader');
    case 'ESRCH':
      return fail('ERR_PROCESS_GONE', `cannot ${doing}: the process exited while regsetup read it (ESRCH)`, 'Run again once the process is up.');
    case 'EBUSY':
    case 'EXDEV':
      return fail('ERR_FILE_BUSY', `cannot ${doing}: it is busy or a mount point (${code}), e.g. a file bind-mounted into a container`, `Edit the file where it is mounted from (on the host). ${unchanged}`);
    case 'ENAMETOOLONG':
      return fail('ERR_PATH_TOO_LONG', `cannot ${doing}: the path is too long (ENAMETOOLONG)`, `Use a shorter path. ${unchanged}`);
    case 'EMFILE':
    case 'ENFILE':
      return fail('ERR_TOO_MANY_OPEN_FILES', `cannot ${doing}: too many open files (${code})`, `Raise the limit (ulimit -n) or run again. ${unchanged}`);
    default:
      return fail('ERR_FILE_IO', `cannot ${doing}: ${code}`, `Check the filesystem and the device (dmesg). ${unchanged}`);
  }
}
