import { posix } from 'node:path';
import type { Files } from './files.js';

/**
 * Where a host path lives under `--root <dir>`. The path is normalised against "/"
 * first, so "../" in a path can never climb out of the root.
 */
export function resolveHostPath(root: string | undefined, path: string): string {
  const absolute = posix.resolve('/', path);
  if (root === undefined || root === '' || root === '/') return absolute;
  return posix.join(posix.resolve(root), absolute);
}

/** A Files whose every path is a host path under root (for --root, tests, image builders). */
export function rooted(files: Files, root: string | undefined): Files {
  if (root === undefined || root === '' || root === '/') return files;
  const at = (path: string) => resolveHostPath(root, path);
  return {
    readText: (path) => files.readText(at(path)),
    writeAtomic: (path, data, options) => files.writeAtomic(at(path), data, options),
    stat: (path) => files.stat(at(path)),
    remove: (path, options) => files.remove(at(path), options),
    mkdirp: (path, mode) => files.mkdirp(at(path), mode),
    readdir: (path) => files.readdir(at(path)),
    exists: (path) => files.exists(at(path)),
    // The target is left as given: a link's target is read on the host the tree is for.
    readLink: (path) => files.readLink(at(path)),
    symlinkAtomic: (target, path) => files.symlinkAtomic(target, at(path)),
    withLock: (lockPath, fn) => files.withLock(at(lockPath), fn),
  };
}
