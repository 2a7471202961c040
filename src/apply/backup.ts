import { dirname } from 'node:path';
import type { Files } from '../host/files.js';

// Before apply writes a host file it keeps the original twice: in memory (to roll back
// byte for byte, with its mode and owner) and under <stateDir>/backups/<time>/ (for
// `leave`, which restores a replaced file, and for a human after a crash).

export interface Original {
  path: string;
  /** undefined: the file did not exist, so rolling back removes it. Bytes, not text: a file that is not UTF-8 comes back unchanged. */
  bytes?: Buffer;
  stat?: { mode: number; uid: number; gid: number };
  /** Where the on-disk copy is, when there was a file to copy. */
  backupPath?: string;
}

const stamp = (ms: number) => new Date(ms).toISOString().replace(/:/g, '-');

/** A fresh backups/<time> directory; two runs in the same millisecond get -2, -3…. */
export async function backupDir(files: Files, stateDir: string, now: number): Promise<string> {
  const base = `${stateDir.replace(/\/+$/, '')}/backups/${stamp(now)}`;
  for (let n = 1; ; n++) {
    const dir = n === 1 ? base : `${base}-${n}`;
    if (!(await files.exists(dir))) {
      await files.mkdirp(dir, 0o700);
      return dir;
    }
  }
}

export async function backUp(files: Files, dir: string, paths: readonly string[]): Promise<Original[]> {
  const originals: Original[] = [];
  for (const path of paths) {
    const bytes = await files.readBytes(path);
    if (bytes === undefined) {
      originals.push({ path });
      continue;
    }
    const stat = await files.stat(path);
    const backupPath = `${dir}${path.startsWith('/') ? '' : '/'}${path}`;
    await files.mkdirp(dirname(backupPath), 0o700);
    // Backups may hold a daemon.json with secrets in it one day (proxies, auth): root only.
    await files.writeAtomic(backupPath, bytes, { mode: 0o600 });
    originals.push({ path, bytes, backupPath, ...(stat === undefined ? {} : { stat: { mode: stat.mode, uid: stat.uid, gid: stat.gid } }) });
  }
  return originals;
}

/** Put one original back, atomically and with its mode and owner; remove a file that was new. */
export async function restoreOne(files: Files, original: Original): Promise<void> {
  if (original.bytes === undefined) await files.remove(original.path);
  else await files.writeAtomic(original.path, original.bytes, original.stat ?? {});
}
