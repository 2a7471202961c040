import { AsyncLocalStorage } from 'node:async_hooks';
import { refused } from '../core/errors.js';
import { systemClock, sleep as realSleep, type Clock, type Sleep } from './clock.js';
import { isAlive as realIsAlive } from './processes.js';

export interface LockOptions {
  timeoutMs?: number;
  pollMs?: number;
  /** The pid written into the lock; ours by default. */
  pid?: number;
  isAlive?: (pid: number) => boolean;
  clock?: Clock;
  sleep?: Sleep;
}

/** What the lock needs from a file system; files.ts provides it. */
export interface LockFileOps {
  /** O_EXCL create; false when the file already exists. */
  create(path: string, content: string): Promise<boolean>;
  read(path: string): Promise<string | undefined>;
  mtimeMs(path: string): Promise<number | undefined>;
  unlink(path: string): Promise<void>;
}

// A holder keeps the lock for one apply: a restart and its settle (90 s), and a rollback of the
// same. Concurrent runs (a join per registry, the agent) queue behind each other that long.
export const DEFAULT_LOCK_WAIT_MS = 300_000;

// A lock file that holds no pid yet may be one another process is still writing:
// give it this long before calling it stale.
const EMPTY_LOCK_GRACE_MS = 5_000;

// Callers in this process queue here (per file system, per path) before touching the
// file. So while we wait on the file no caller of ours holds it, and a lock file naming
// our own pid was left by an earlier process that got the same pid (common in
// containers, where we may be pid 1).
const queues = new WeakMap<object, Map<string, Promise<unknown>>>();
// The locks the current async call chain holds: taking one again is a no-op, not a deadlock.
const holding = new AsyncLocalStorage<Array<[object, string]>>();

/** scope: one object per file system (fs.promises), so two memfs volumes do not queue on each other. */
export function withLockFile<T>(scope: object, ops: LockFileOps, lockPath: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const held = holding.getStore() ?? [];
  if (held.some(([s, path]) => s === scope && path === lockPath)) return fn();
  const queue = queues.get(scope) ?? new Map<string, Promise<unknown>>();
  queues.set(scope, queue);
  const run = (queue.get(lockPath) ?? Promise.resolve()).then(() =>
    holding.run([...held, [scope, lockPath]], () => holdLockFile(ops, lockPath, fn, options)),
  );
  const tail = run.catch(() => undefined);
  queue.set(lockPath, tail);
  void tail.then(() => {
    if (queue.get(lockPath) === tail) queue.delete(lockPath);
  });
  return run;
}

async function holdLockFile<T>(ops: LockFileOps, lockPath: string, fn: () => Promise<T>, options: LockOptions): Promise<T> {
  const { timeoutMs = DEFAULT_LOCK_WAIT_MS, pollMs = 200, pid = process.pid, isAlive = realIsAlive, clock = systemClock, sleep = realSleep } = options;
  const deadline = clock.now() + timeoutMs;

  const isStale = async (content: string): Promise<boolean> => {
    const holder = Number(content.trim());
    if (Number.isInteger(holder) && holder > 0) {
      return holder === pid || !isAlive(holder);
    }
    const mtime = await ops.mtimeMs(lockPath);
    return mtime !== undefined && clock.now() - mtime > EMPTY_LOCK_GRACE_MS;
  };

  for (;;) {
    if (await ops.create(lockPath, `${pid}\n`)) break;
    const content = await ops.read(lockPath);
    if (content !== undefined && (await isStale(content))) {
      // Re-read right before removing, so we do not remove a lock that a faster waiter just took.
      if ((await ops.read(lockPath)) === content) await ops.unlink(lockPath);
      continue;
    }
    if (clock.now() >= deadline) {
      const holder = content?.trim() || 'unknown';
      throw refused(
        'ERR_LOCKED',
        `Another regsetup (pid ${holder}) holds the lock ${lockPath}; waited ${Math.round(timeoutMs / 1000)} s`,
        `Wait for that run to finish. If pid ${holder} is not regsetup, remove ${lockPath}.`,
      );
    }
    if (content !== undefined) await sleep(pollMs);
  }

  try {
    return await fn();
  } finally {
    // Only remove the lock if it is still ours: a waiter may have judged us stale.
    if ((await ops.read(lockPath))?.trim() === String(pid)) await ops.unlink(lockPath);
  }
}
