import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import type { AccessNeed } from '../core/access-needs.js';
import { resolveHostPath } from './host-path.js';

export interface AccessProblem {
  need: AccessNeed;
  /** The path as checked (under --root). */
  path: string;
  /** "owned by root:root, mode 0700" — what stands in the way. */
  reason: string;
}

export interface Identity {
  uid: number;
  gid: number;
}

const errno = (error: unknown) => (error as NodeJS.ErrnoException).code;
const octal = (mode: number) => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;

async function describe(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return `owned by uid ${s.uid} (gid ${s.gid}), mode ${octal(s.mode)}`;
  } catch (error) {
    return errno(error) ?? String(error);
  }
}

/** The first directory on the way to path that this user cannot search (enter), if any. */
async function unsearchable(path: string): Promise<string | undefined> {
  const parts = posix.dirname(path).split('/').filter(Boolean);
  let dir = '/';
  for (const part of ['', ...parts]) {
    dir = part === '' ? '/' : posix.join(dir, part);
    try {
      await access(dir, constants.X_OK);
    } catch (error) {
      if (errno(error) === 'ENOENT') return undefined; // missing: nothing further to enter
      return dir;
    }
  }
  return undefined;
}

/** The path itself if it exists, else its nearest existing ancestor: where a write would land. */
async function nearestExisting(path: string): Promise<string> {
  for (let p = path; ; p = posix.dirname(p)) {
    try {
      await stat(p);
      return p;
    } catch (error) {
      if (errno(error) !== 'ENOENT' || p === '/') return p;
    }
  }
}

async function check(need: AccessNeed, path: string): Promise<string | undefined> {
  const blocked = await unsearchable(path);
  if (blocked !== undefined) return `${blocked} cannot be entered: ${await describe(blocked)}`;
  if (need.kind === 'write') {
    const target = await nearestExisting(path);
    try {
      await access(target, constants.W_OK | constants.X_OK);
      return undefined;
    } catch (error) {
      const what = target === path ? '' : ` (it does not exist yet; ${target} is where it would be made)`;
      return `${errno(error) === 'EROFS' ? 'read-only file system' : `cannot write ${target}: ${await describe(target)}`}${what}`;
    }
  }
  try {
    // Connecting to a unix socket needs write permission on it, exactly what access(W_OK) asks.
    await access(path, need.kind === 'connect' ? constants.W_OK : constants.R_OK);
    return undefined;
  } catch (error) {
    // Missing is not a permission problem: the command says itself what a missing file or a
    // stopped daemon means (status: nothing managed; join: start dockerd).
    if (errno(error) === 'ENOENT') return undefined;
    return `${need.kind === 'connect' ? 'cannot connect to' : 'cannot read'} ${path}: ${await describe(path)}`;
  }
}

/** Checks each need as this process's user (access(2) uses the real uid, as the kernel will). */
export async function checkAccess(needs: readonly AccessNeed[], root: string): Promise<AccessProblem[]> {
  const problems: AccessProblem[] = [];
  for (const need of needs) {
    const path = need.kind === 'connect' ? need.path : resolveHostPath(root, need.path);
    const reason = await check(need, path);
    if (reason !== undefined) problems.push({ need, path, reason });
  }
  return problems;
}

export const currentIdentity = (): Identity => ({ uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
