import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { refused } from '../core/errors.js';
import { isDirectoryError, isMissing, notRegularError } from './fs-errors.js';
import type { FsModule, WriteOptions } from './files.js';
import { C, guarded, READ } from './file-read.js';
import { kindOf, type PathGuard } from './path-guard.js';

// The write half of the files port: the symlink rule checked (path-guard.ts), then a temporary
// file created O_EXCL|O_NOFOLLOW in the checked directory, mode and owner set through its
// handle, renamed within that directory.

const CREATE = C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW;

const movedError = (path: string, dir: string) =>
  refused('ERR_UNSAFE_PATH', `refusing to write ${path}: ${dir} was replaced while regsetup wrote into it`, 'Find out what changes that directory, then run again. Nothing was changed.');

export function writeOps(fsp: FsModule['promises'], guard: PathGuard) {
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

  const checkWritable = async (path: string): Promise<void> => {
    const target = await guard.file(path);
    // access(2) W_OK reports an immutable or append-only flag (EPERM), a read-only mount (EROFS)
    // and missing permission without writing a byte; a write would meet them half-way.
    await guarded('write', path, () => fsp.access(target.existing === undefined ? target.deepest : target.real, C.W_OK));
    if (target.existing !== undefined) await guarded('write', path, () => fsp.access(target.deepest, C.W_OK));
  };

  /** Create the exclusive lock file; false when it exists. */
  const createExclusive = async (path: string, content: string): Promise<boolean> => {
    const target = await guard.file(path);
    try {
      const handle = await fsp.open(target.real, CREATE, 0o644);
      try {
        await handle.writeFile(content);
      } catch (error) {
        // A full disk takes the inode but not the pid: leave no empty lock file behind.
        await handle.close().catch(() => undefined);
        await fsp.unlink(target.real).catch(() => undefined);
        throw error;
      }
      await handle.close();
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  };

  /** Make path a symbolic link to target in one rename, in a directory that passes the rule (the link itself is replaced, never followed). */
  const symlinkAtomic = async (target: string, path: string): Promise<void> => {
    const dir = await guard.dir(posix.dirname(path));
    const temp = posix.join(dir, `.${posix.basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    await guarded('write', path, () => fsp.symlink(target, temp));
    try {
      await guarded('write', path, () => fsp.rename(temp, posix.join(dir, posix.basename(path))));
    } catch (error) {
      await fsp.unlink(temp).catch(() => undefined);
      throw error;
    }
  };

  /** Remove a symbolic link regsetup made (the link, never what it points to). */
  const removeLink = async (path: string): Promise<void> => {
    const dir = await guard.dir(posix.dirname(path));
    const at = posix.join(dir, posix.basename(path));
    const l = await fsp.lstat(at).catch(() => undefined);
    if (l?.isSymbolicLink()) await guarded('remove', path, () => fsp.unlink(at));
  };

  return { writeAtomic, remove, checkWritable, createExclusive, symlinkAtomic, removeLink };
}
