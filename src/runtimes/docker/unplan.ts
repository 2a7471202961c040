import { dropEmptyLists, editDaemonJson, parseDaemonJson } from '../../core/daemon-json.js';
import type { RestartPolicy } from '../../core/desired-state.js';
import { undoOwnedFile } from '../../core/owned-file.js';
import { heirsOf } from '../../core/hand-over.js';
import type { Cleanup, FileAction, HandOver, RuntimePlan } from '../../core/plan-types.js';
import { handOverHostsFiles, unplanHostsFile } from '../containerd/hosts.js';
import type { PlanContext } from '../types.js';
import { activationDetail, changedKeys, decideActivation } from './activation.js';
import { expectedFrom } from './confirm.js';
import type { DockerSessionInfo } from './plan.js';
import { dockerRecord, MANAGED_KEYS, type DockerRecord } from './record.js';
import { byteView, certsFile, daemonJsonSource, type DockerSnapshot } from './snapshot.js';

/**
 * Undo exactly what the record says a join did for dockerd: remove the daemon.json entries it
 * added (never those that were there before), remove or restore the files it installed.
 * Files changed by hand since join are left alone.
 */
export function unplanDocker(session: DockerSessionInfo, snapshot: DockerSnapshot, record: DockerRecord, ctx: PlanContext & { registry: string; restart?: RestartPolicy }): RuntimePlan {
  const warnings: string[] = [];
  const actions: FileAction[] = [];
  const unchanged: string[] = [];

  for (const file of record.files) {
    const action = undoOwnedFile({
      file,
      current: certsFile(snapshot, file.path),
      backups: snapshot.backups,
      journal: ctx.journal,
      registry: ctx.registry,
      reason: `remove the ${file.path.endsWith('.crt') ? 'CA' : 'file'} join installed for ${ctx.registry}`,
      warnings,
    });
    if (action) actions.push(file.path.endsWith('.key') ? { ...action, secret: true } : action);
    else unchanged.push(file.path);
  }

  for (const h of record.hostsFiles ?? []) {
    const action = unplanHostsFile(h, snapshot.hostsToml?.[h.path], `remove the hosts ${ctx.registry} added`, warnings);
    if (action) actions.push(action);
    else unchanged.push(h.path);
  }

  const path = snapshot.daemonJsonPath;
  if (record.daemonJsonPath !== path) {
    warnings.push(`${ctx.registry} was joined with ${record.daemonJsonPath}, but dockerd now reads ${path}: removing the entries from ${path}.`);
  }
  const source = daemonJsonSource(snapshot);
  const opts = snapshot.dockerd.version ? { dockerdVersion: snapshot.dockerd.version } : {};
  const edit = editDaemonJson(source ?? '', { removeMirrors: record.added.mirrors, removeInsecure: record.added.insecure }, path, opts);
  const gone = [...record.added.mirrors, ...record.added.insecure].length - [...edit.removed.mirrors, ...edit.removed.insecure].length;
  if (gone > 0) warnings.push(`${gone} entr${gone === 1 ? 'y' : 'ies'} join added to ${path} had already been removed.`);
  let keys: string[] = [];
  if (edit.changed && source !== undefined) {
    keys = changedKeys(source, edit.bytes, path, opts);
    const what = [...edit.removed.mirrors.map((m) => `mirror ${m}`), ...edit.removed.insecure.map((h) => `insecure registry ${h}`)];
    // An emptied list stays as [] (editDaemonJson): on SIGHUP dockerd keeps a setting whose key is absent.
    actions.push({ kind: 'write-file', path, before: byteView(source), after: byteView(edit.bytes), encoding: 'latin1', mode: snapshot.daemonJsonStat?.mode ?? 0o644, reason: `remove ${what.join(', ')}` });
  } else {
    unchanged.push(path);
  }

  const decision = decideActivation(keys, ctx.restart ?? 'auto', snapshot.dockerd);
  warnings.push(...decision.warnings);
  const emptied = edit.changed && record.createdDaemonJson === true && onlyEmptyLists(edit.bytes, path);
  // Lists a join added to a file that was there go again once dockerd has shown them empty.
  const dropped = !emptied && edit.changed && record.createdKeys !== undefined ? dropEmptyLists(edit.bytes, record.createdKeys, path, opts) : undefined;
  const cleanup: Cleanup[] = emptied
    ? [{ path, ifContent: byteView(edit.bytes), encoding: 'latin1', reason: 'join created it; nothing else is in it' }]
    : dropped
      ? [{ path, ifContent: byteView(edit.bytes), encoding: 'latin1', after: byteView(dropped), reason: 'join added the lists emptied now; they go again' }]
      : [];
  const remaining = parseDaemonJson(edit.bytes, path, opts);
  const handOver = handOverDocker(session.id, record, ctx, { daemonJsonPath: path, stays: !emptied, remaining, gone: new Set(actions.filter((a) => a.kind === 'remove-file').map((a) => a.path)) });
  return {
    runtime: session.id,
    kind: 'docker',
    label: session.label,
    actions,
    unchanged,
    activation: decision.activation,
    ...activationDetail(decision.activation),
    ...(edit.changed && source !== undefined
      ? { expect: expectedFrom(source, edit.bytes, opts), expectBefore: expectedFrom(undefined, source, opts) }
      : {}),
    warnings,
    record: null,
    ...(handOver.length > 0 ? { handOver } : {}),
    ...(cleanup.length > 0 ? { cleanup } : {}),
  };
}

/**
 * A daemon.json (or a list in it) this registry's join created, which stays because other
 * registries' entries are in it, passes to one of them (core/hand-over.ts); so do the hosts.toml
 * files it created. `remaining`: daemon.json as this leave leaves it.
 */
function handOverDocker(id: string, record: DockerRecord, ctx: PlanContext & { registry: string }, o: { daemonJsonPath: string; stays: boolean; remaining: Record<string, unknown>; gone: ReadonlySet<string> }): HandOver[] {
  const heirs = heirsOf(ctx.journal, ctx.registry, id, (r) => dockerRecord(r)!);
  const fills = (r: DockerRecord, key: (typeof MANAGED_KEYS)[number]) => r.daemonJsonPath === o.daemonJsonPath && (key === 'registry-mirrors' ? r.added.mirrors : r.added.insecure).length > 0;
  if (record.createdDaemonJson === true && o.stays) {
    const heir = heirs.others.find((h) => MANAGED_KEYS.some((k) => fills(h.record, k)));
    if (heir) heirs.update(heir.registry, (r) => ({ ...r, createdDaemonJson: true }));
  }
  for (const key of record.createdKeys ?? []) {
    const list = o.remaining[key];
    if (!Array.isArray(list) || list.length === 0) continue;
    const heir = heirs.others.find((h) => fills(h.record, key));
    if (heir) heirs.update(heir.registry, (r) => ({ ...r, createdKeys: MANAGED_KEYS.filter((k) => k === key || r.createdKeys?.includes(k)) }));
  }
  handOverHostsFiles(record.hostsFiles ?? [], o.gone, heirs);
  return heirs.handOver();
}

/** Nothing left but the lists leave emptied: the file says no more than no file would. */
function onlyEmptyLists(text: string | Uint8Array, path: string): boolean {
  const config = parseDaemonJson(text, path);
  return Object.entries(config).every(([key, value]) => (MANAGED_KEYS as readonly string[]).includes(key) && Array.isArray(value) && value.length === 0);
}
