import { removeRegistry, upsertRegistry } from '../core/desired-file-edit.js';
import { loadDesiredFile, type DesiredFile } from '../core/desired-file.js';
import { DEFAULT_STATE_DIR } from '../core/journal.js';
import type { Files } from '../host/files.js';

// The desired-state file on the host: read it, and edit it for `join --save` / `leave --save`
// (atomically, under the same lock as apply, so two savers never lose each other's entry).

export async function readDesiredFile(files: Files, path: string): Promise<DesiredFile> {
  return loadDesiredFile(await files.readText(path), path);
}

async function edit(files: Files, path: string, change: (text: string | undefined) => { text: string | undefined; changed: boolean }): Promise<boolean> {
  await files.mkdirp(DEFAULT_STATE_DIR, 0o700);
  return files.withLock(`${DEFAULT_STATE_DIR}/lock`, async () => {
    const next = change(await files.readText(path));
    if (!next.changed || next.text === undefined) return false;
    await files.mkdirp(path.replace(/\/[^/]*$/, '') || '/', 0o755);
    // It names secrets by path only: readable, like /etc/docker/daemon.json.
    await files.writeAtomic(path, next.text, (await files.exists(path)) ? {} : { mode: 0o644 });
    return true;
  });
}

/** `join --save`: add or update the registry's entry. files: under --root. */
export const saveRegistry = (files: Files, path: string, entry: Record<string, unknown>): Promise<boolean> =>
  edit(files, path, (text) => upsertRegistry(text, entry, path));

/** `leave --save`: remove the registry's entry, if the file lists it. */
export const unsaveRegistry = (files: Files, path: string, registry: string): Promise<boolean> =>
  edit(files, path, (text) => removeRegistry(text, registry, path));
