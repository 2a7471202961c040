import { posix } from 'node:path';
import { homeDir } from '../host/user.js';
import type { Files } from '../host/files.js';

export interface FoundHelper {
  /** The suffix: "pass" for docker-credential-pass. */
  name: string;
  path: string;
}

const PREFIX = 'docker-credential-';

/** The first executable `name` on PATH, as `command -v` finds it. */
export async function whichOnPath(files: Files, env: NodeJS.ProcessEnv, name: string): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(':').filter(Boolean)) {
    const path = posix.join(dir, name);
    const stat = await files.stat(path).catch(() => undefined);
    if (stat && !stat.isDirectory && (stat.mode & 0o111) !== 0) return path;
  }
  return undefined;
}

/** Every docker-credential-* on PATH (first one of each name wins, as for the docker CLI). */
export async function helpersOnPath(files: Files, env: NodeJS.ProcessEnv): Promise<FoundHelper[]> {
  const found = new Map<string, string>();
  for (const dir of (env.PATH ?? '').split(':').filter(Boolean)) {
    for (const entry of await files.readdir(dir).catch(() => [] as string[])) {
      if (!entry.startsWith(PREFIX) || found.has(entry.slice(PREFIX.length))) continue;
      const path = posix.join(dir, entry);
      const stat = await files.stat(path).catch(() => undefined);
      if (stat && !stat.isDirectory && (stat.mode & 0o111) !== 0) found.set(entry.slice(PREFIX.length), path);
    }
  }
  return [...found].map(([name, path]) => ({ name, path }));
}

/** pass keeps its store in $PASSWORD_STORE_DIR or ~/.password-store; `pass init` writes .gpg-id. */
export function passStoreDir(env: NodeJS.ProcessEnv): string {
  return env.PASSWORD_STORE_DIR || posix.join(homeDir(env), '.password-store');
}

export interface PassState {
  installed: boolean;
  initialised: boolean;
}

export async function passState(files: Files, env: NodeJS.ProcessEnv): Promise<PassState> {
  const installed = (await whichOnPath(files, env, 'pass')) !== undefined;
  return { installed, initialised: installed && (await files.exists(posix.join(passStoreDir(env), '.gpg-id'))) };
}
