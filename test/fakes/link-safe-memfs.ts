import type { memfs } from 'memfs';
import type { FsModule } from '../../src/host/files.js';

type MemFs = ReturnType<typeof memfs>['fs'];

/**
 * memfs (4.80) renames and removes what a symbolic link points at instead of the link itself;
 * rename(2) and Node's fs.rm never follow a link. This fs treats links as Linux does, so tests
 * of links mean something.
 */
export function linkSafe(fs: MemFs): FsModule {
  const p = fs.promises;
  const rename = async (from: string, to: string): Promise<void> => {
    if (!(await p.lstat(from)).isSymbolicLink()) return p.rename(from, to);
    const target = String(await p.readlink(from));
    await p.unlink(to).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await p.symlink(target, to);
    await p.unlink(from);
  };
  const rm = async (path: string, options: { recursive?: boolean; force?: boolean }): Promise<void> => {
    const isLink = await p.lstat(path).then((s) => s.isSymbolicLink(), () => false);
    return isLink ? p.unlink(path) : p.rm(path, options);
  };
  return { promises: Object.assign(Object.create(p), { rename, rm }) } as FsModule;
}
