import { noneAdded, type K3sAdded } from './added.js';
import { sameEndpoint } from './endpoint.js';
import { parseRegistries, type ParsedRegistries } from './registries-file.js';
import { DocEdit, renderOptions, replay, sameValue, type Op } from './yaml-doc.js';

// Merge what a join wants into registries.yaml, keeping every other entry, its comments and key
// order (the yaml Document API), and say exactly what was added, so leave can take back only that.

export interface WantedEntries {
  /** Mirror endpoints: appended to mirrors.<mirror>.endpoint unless k3s already has the same endpoint there. */
  endpoints: Array<{ mirror: string; url: string }>;
  /** A mirror entry listing the registry's own endpoint, created only when it has no entry at all (the pair of its configs). */
  ownMirrors: Array<{ mirror: string; url: string }>;
  /** configs values; `replace: 'ours'` changes a different value only when regsetup set it, `'any'` replaces it (recording it). */
  values: Array<{ path: string[]; value: string | boolean; replace: 'ours' | 'any' }>;
  auth: Array<{ host: string; username: string; password: string }>;
}

export interface MergeResult {
  text: string;
  changed: boolean;
  added: K3sAdded;
  /** Entries that hold something else, not set by regsetup (the planner refuses them). */
  conflicts: Array<{ path: string[]; current: unknown }>;
}

const key = (p: readonly string[]) => JSON.stringify(p);

export function mergeEntries(parsed: ParsedRegistries, source: string, path: string, want: WantedEntries, ours: K3sAdded = noneAdded()): MergeResult {
  const before = parsed.doc.toJS() as unknown;
  const edit = new DocEdit(parsed.doc.clone());
  const added = noneAdded();
  const conflicts: MergeResult['conflicts'] = [];

  for (const { mirror, url } of want.endpoints) {
    const list = edit.value(['mirrors', mirror, 'endpoint']);
    if (Array.isArray(list) && list.some((e) => sameEndpoint(String(e), url))) continue;
    edit.append(['mirrors', mirror, 'endpoint'], url);
    added.endpoints.push({ mirror, url });
  }
  for (const { mirror, url } of want.ownMirrors) {
    if (edit.node(['mirrors', mirror]) !== undefined) continue; // an entry of its own already pairs the configs
    edit.append(['mirrors', mirror, 'endpoint'], url);
    added.endpoints.push({ mirror, url });
  }
  for (const v of want.values) {
    const current = edit.value(v.path);
    if (current === v.value) continue;
    const mine = ours.values.some((x) => key(x.path) === key(v.path) && x.value === current);
    if (current !== undefined && current !== null && !mine && v.replace === 'ours') {
      conflicts.push({ path: v.path, current });
      continue;
    }
    edit.set(v.path, v.value);
    const previous = current === undefined || current === null || mine ? undefined : (current as string | boolean);
    added.values.push({ path: v.path, value: v.value, ...(previous === undefined ? {} : { previous }) });
  }
  for (const a of want.auth) {
    const path = ['configs', a.host, 'auth'];
    const current = edit.value(path) as Record<string, unknown> | null | undefined;
    if (current && String(current.username ?? '') === a.username && String(current.password ?? '') === a.password) continue;
    const hasAny = current !== undefined && current !== null && Object.values(current).some((x) => x !== null && x !== '');
    if (hasAny && !ours.auth.some((x) => x.host === a.host && x.username === String(current!.username ?? ''))) {
      conflicts.push({ path, current: '(credentials)' });
      continue;
    }
    edit.set(path, { username: a.username, password: a.password });
    added.auth.push({ host: a.host, username: a.username });
  }
  added.created.push(...edit.created);
  return { ...finish(edit, before, source, path), added, conflicts };
}

/** Render, parse back and compare with the operations replayed on the original: what k3s will read is what was meant. */
export function finish(edit: DocEdit, before: unknown, source: string, path: string): { text: string; changed: boolean } {
  if (edit.ops.length === 0) return { text: source, changed: false };
  const text = edit.doc.toString(renderOptions(source));
  checkReadBack(text, path, before, edit.ops);
  return { text, changed: text !== source };
}

function checkReadBack(text: string, path: string, before: unknown, ops: readonly Op[]): void {
  const back = parseRegistries(text, path).doc.toJS() as unknown;
  if (!sameValue(back, replay(before, ops))) {
    // A bug of ours (or of the yaml library), never the user's: say so rather than write it.
    throw new Error(`the merged ${path} does not read back as intended; nothing was written`);
  }
}
