import { posix } from 'node:path';
import { readDockerConfig, type DockerConfig } from '../core/docker-config.js';
import { refused } from '../core/errors.js';
import type { Files } from '../host/files.js';

// The Docker config that login and creds migrate rewrite: checked completely (owner, the
// symlink rule, every byte parsed) before a credential is stored anywhere.

export const configPath = (dir: string) => posix.join(dir, 'config.json');

export interface ConfigFile {
  path: string;
  /** undefined when there is no config.json yet. */
  bytes?: Buffer;
  config: DockerConfig;
}

/** The docker CLI of another user would run the helper as that user, with that user's store. */
export async function assertOwnConfigDir(files: Files, dir: string, uid: number): Promise<void> {
  const stat = await files.stat(dir);
  if (stat === undefined) return;
  if (!stat.isDirectory) {
    throw refused('ERR_DOCKER_CONFIG_NOT_A_DIRECTORY', `${dir} is not a directory, so it cannot be a Docker config directory`, 'Point --docker-config (or DOCKER_CONFIG) at the directory that holds config.json. Nothing was changed.');
  }
  if (stat.uid !== uid) {
    throw refused(
      'ERR_DOCKER_CONFIG_OTHER_USER',
      `${dir} belongs to uid ${stat.uid}: its docker CLI would run the helper as that user, who cannot read a store made by uid ${uid}`,
      'Run regsetup as the user whose Docker config it is (e.g. sudo -u USER -H regsetup login …). Nothing was changed.',
    );
  }
}

/** Owner checked, config.json read as bytes and parsed, and its path writable under the symlink rule. */
export async function readConfigFile(files: Files, dir: string, uid: number): Promise<ConfigFile> {
  await assertOwnConfigDir(files, dir, uid);
  const path = configPath(dir);
  const bytes = await files.readBytes(path);
  const { config } = readDockerConfig(bytes, path);
  await files.checkWritable(path);
  return { path, ...(bytes === undefined ? {} : { bytes }), config };
}

/** Did config.json change since it was read? (Another login, the docker CLI…) */
export async function changedSince(files: Files, file: ConfigFile): Promise<boolean> {
  const now = await files.readBytes(file.path);
  return now === undefined ? file.bytes !== undefined : file.bytes === undefined || !now.equals(file.bytes);
}

/**
 * One regsetup at a time rewrites a Docker config (login, leave's logout, creds migrate): a lock
 * file beside config.json, so two runs never lose each other's entries. A missing directory is
 * made (0700) for it, and removed again (with any parent made for it) when nothing was written into it.
 */
export async function withConfigLock<T>(files: Files, dir: string, fn: () => Promise<T>): Promise<T> {
  const made: string[] = [];
  for (let d = posix.resolve(dir); d !== '/' && !(await files.exists(d)); d = posix.dirname(d)) made.push(d);
  if (made.length > 0) await files.mkdirp(dir, 0o700);
  try {
    return await files.withLock(`${configPath(dir)}.lock`, fn);
  } finally {
    // Deepest first, each only while empty.
    for (const d of made) {
      if ((await files.readdir(d)).length > 0) break;
      await files.remove(d, { recursive: true });
    }
  }
}
