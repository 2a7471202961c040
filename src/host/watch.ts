import { existsSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { resolveHostPath } from './host-path.js';

// The files port's watcher (inotify through fs.watch). Each managed path is watched through the
// directory that holds it, so a file replaced by rename (every editor, every atomic write) is
// seen; a directory that does not exist yet (certs.d/<host> after `rm -rf`) is watched through
// its nearest existing ancestor and picked up once it is created again. Events are debounced.

export interface Watcher {
  /** Watch these host paths instead (the journal named new files). */
  update(paths: readonly string[]): void;
  close(): void;
}

export interface WatchOptions {
  root?: string;
  debounceMs?: number;
  /** Told when a directory cannot be watched (too many watches, permissions): the period still covers it. */
  onError?: (path: string, error: Error) => void;
}

// Our own temp files (files.ts writeAtomic: .<name>.<hex>.tmp) come and go with every write.
const TEMP = /^\..+\.[0-9a-f]{12}\.tmp$/;

/** onChange gets the host paths (as given) that changed, at most once per quiet period. */
export function watchPaths(paths: readonly string[], onChange: (changed: string[]) => void, options: WatchOptions = {}): Watcher {
  const debounceMs = options.debounceMs ?? 200;
  const at = (path: string) => resolveHostPath(options.root, path);
  const watchers = new Map<string, { watcher: FSWatcher; ino: number }>();
  let targets: string[] = [];
  let changed = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const nearest = (path: string): string => {
    let dir = path;
    while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
    return dir;
  };
  const inodeOf = (dir: string) => {
    try {
      return statSync(dir).ino;
    } catch {
      return -1;
    }
  };

  const fire = () => {
    timer = undefined;
    const out = [...changed];
    changed = new Set();
    arm(); // a directory may have appeared or gone meanwhile
    if (out.length > 0 && !closed) onChange(out);
  };

  const event = (dir: string, name: string | null) => {
    if (name !== null && TEMP.test(name)) return;
    const full = name === null ? dir : join(dir, name);
    const hits = targets.filter((t) => { const real = at(t); return real === full || real.startsWith(`${full}/`) || full.startsWith(`${real}/`) || (name === null && real.startsWith(`${dir}/`)); });
    if (hits.length === 0) return;
    for (const t of hits) changed.add(t);
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(fire, debounceMs);
  };

  // The directories to watch: each target's parent (a target that is a directory: itself too).
  function arm(): void {
    if (closed) return;
    const wanted = new Set<string>();
    for (const t of targets) {
      const real = at(t);
      wanted.add(nearest(dirname(real)));
      if (existsSync(real) && statSync(real).isDirectory()) wanted.add(real);
    }
    for (const [dir, w] of watchers) {
      if (!wanted.has(dir) || inodeOf(dir) !== w.ino) {
        w.watcher.close();
        watchers.delete(dir);
      }
    }
    for (const dir of wanted) {
      if (watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, { persistent: false }, (_type, name) => event(dir, name === null ? null : basename(String(name))));
        watcher.on('error', () => {
          watcher.close();
          watchers.delete(dir);
          event(dir, null);
        });
        watchers.set(dir, { watcher, ino: inodeOf(dir) });
      } catch (error) {
        options.onError?.(dir, error as Error);
      }
    }
  }

  const update = (next: readonly string[]) => {
    targets = [...new Set(next)];
    arm();
  };
  update(paths);
  return {
    update,
    close: () => {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const w of watchers.values()) w.watcher.close();
      watchers.clear();
    },
  };
}
