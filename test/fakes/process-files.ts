import { nodeFiles, type Files, type FsModule } from '../../src/host/files.js';

// The files port of one simulated regsetup process on a shared memfs volume: its own scope (so
// the in-process lock queue does not serialise it with the others) and its own pid in the lock
// file, so concurrent runs meet only at the lock file, as separate processes do. `beforeOpen`
// runs (and is awaited) before each open of a path: a slow disk, or something that is not
// regsetup writing to the node meanwhile.

type Open = (path: unknown, ...rest: unknown[]) => Promise<unknown>;

export function processFiles(fs: { promises: object }, pid: number, beforeOpen?: (path: string) => void | Promise<void>): Files {
  const promises = Object.create(fs.promises) as { open: Open };
  const open = (fs.promises as { open: Open }).open.bind(fs.promises);
  if (beforeOpen) {
    promises.open = async (path, ...rest) => {
      await beforeOpen(String(path));
      return open(path, ...rest);
    };
  }
  return nodeFiles({ ...fs, promises } as unknown as FsModule, { pid, isAlive: () => true, pollMs: 1 });
}
