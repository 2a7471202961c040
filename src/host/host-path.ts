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

/**
 * A Files whose every path is a host path under root (for --root, tests, image builders).
 * Writes under it follow no symlink at or below root (files.ts, the symlink rule).
 */
export function rooted(files: Files, root: string | undefined): Files {
  if (root === undefined || root === '' || root === '/') return files;
  const jailed = files.under?.(posix.resolve(root)) ?? files;
  const at = (path: string) => resolveHostPath(root, path);
  return {
    readText: (path, options) => jailed.readText(at(path), options),
    readBytes: (path, options) => jailed.readBytes(at(path), options),
    writeAtomic: (path, data, options) => jailed.writeAtomic(at(path), data, options),
    checkWritable: (path) => jailed.checkWritable(at(path)),
    stat: (path) => jailed.stat(at(path)),
    remove: (path, options) => jailed.remove(at(path), options),
    mkdirp: (path, mode) => jailed.mkdirp(at(path), mode),
    readdir: (path) => jailed.readdir(at(path)),
    exists: (path) => jailed.exists(at(path)),
    readLink: (path) => jailed.readLink(at(path)),
    symlinkAtomic: (target, path) => jailed.symlinkAtomic(target, at(path)),
    removeLink: (path) => jailed.removeLink(at(path)),
    withLock: (lockPath, fn) => jailed.withLock(at(lockPath), fn),
  };
}
