import { posix } from 'node:path';
import type * as z from 'zod';
import { refused } from '../core/errors.js';
import type { Files } from '../host/files.js';

// The credential store and its key are only as private as their files. Anything that is not
// ours alone (another owner, group/world bits) or that we cannot parse is refused and left
// exactly as it is: overwriting it could destroy someone's credentials or hide a tampering.

export interface PrivateFilesPorts {
  files: Files;
  /** The user the store belongs to (process.getuid()). */
  uid: number;
}

const octal = (mode: number) => `0${mode.toString(8)}`;

async function checkPrivate({ files, uid }: PrivateFilesPorts, path: string, kind: 'file' | 'directory', wanted: number) {
  const stat = await files.stat(path);
  if (stat === undefined) return undefined;
  if (stat.uid !== uid) {
    throw refused(
      'ERR_CREDENTIAL_STORE_FOREIGN',
      `${path} belongs to uid ${stat.uid}, not to the user running regsetup (uid ${uid}); refusing to use or overwrite it`,
      `Run as the user who owns it, or move it away if it is not yours. Nothing was changed.`,
    );
  }
  if ((stat.mode & 0o077) !== 0) {
    throw refused(
      'ERR_CREDENTIAL_STORE_TOO_OPEN',
      `${path} has mode ${octal(stat.mode)}: other users may read it; refusing to use it`,
      `If nobody else could have read it, restrict it (chmod ${octal(wanted)} ${path}) and run again; otherwise change the passwords it held. Nothing was changed.`,
    );
  }
  if (stat.isDirectory !== (kind === 'directory')) {
    throw refused('ERR_CREDENTIAL_STORE_CORRUPT', `${path} is not a ${kind}`, 'Move it away. Nothing was changed.');
  }
  return stat;
}

/** The file's text, or undefined when absent; refused when not private to us. */
export async function readPrivate(ports: PrivateFilesPorts, path: string): Promise<string | undefined> {
  await checkPrivateDir(ports, posix.dirname(path));
  if ((await checkPrivate(ports, path, 'file', 0o600)) === undefined) return undefined;
  return ports.files.readText(path);
}

/** A private JSON file checked against its schema; undefined when absent, refused as corrupt when it does not parse. */
export async function readPrivateJson<S extends z.ZodType>(ports: PrivateFilesPorts, path: string, schema: S): Promise<z.output<S> | undefined> {
  const text = await readPrivate(ports, path);
  if (text === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw corrupt(path, 'not valid JSON');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw corrupt(path, parsed.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`).join('; '));
  return parsed.data;
}

/** Write 0600, into a 0700 directory created on demand; refused if what is there is not private. */
export async function writePrivate(ports: PrivateFilesPorts, path: string, data: string): Promise<void> {
  await ensurePrivateDir(ports, posix.dirname(path));
  await checkPrivate(ports, path, 'file', 0o600);
  await ports.files.writeAtomic(path, data, { mode: 0o600 });
}

export async function checkPrivateDir(ports: PrivateFilesPorts, dir: string): Promise<boolean> {
  return (await checkPrivate(ports, dir, 'directory', 0o700)) !== undefined;
}

export async function ensurePrivateDir(ports: PrivateFilesPorts, dir: string): Promise<void> {
  if (await checkPrivateDir(ports, dir)) return;
  await ports.files.mkdirp(posix.dirname(dir));
  await ports.files.mkdirp(dir, 0o700);
  await checkPrivate(ports, dir, 'directory', 0o700);
}

/** Refusal for a store file that does not parse: said once, the same way everywhere. */
export const corrupt = (path: string, why: string) =>
  refused(
    'ERR_CREDENTIAL_STORE_CORRUPT',
    `${path} is not a regsetup credential store file (${why}); refusing to use or overwrite it`,
    `Restore it from a backup, or move it away and log in again (regsetup login). Nothing was changed.`,
  );
