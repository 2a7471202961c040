import type { RestartPolicy } from '../../core/desired-state.js';
import { undoOwnedFile } from '../../core/owned-file.js';
import { heirsOf } from '../../core/hand-over.js';
import type { FileAction, HandOver, RuntimePlan } from '../../core/plan-types.js';
import type { PlanContext } from '../types.js';
import { activationFor } from './activation.js';
import { unplanAuthFile } from './auth-file.js';
import { readConfigSet, shadowedPrefixes } from './config-set.js';
import { expectedFrom } from './confirm.js';
import { readBack, removeFrom, renderDropIn, type DropInModel } from './drop-in.js';
import type { ContainersSessionInfo } from './plan.js';
import { containersRecord, otherRecords, type ContainersRecord } from './record.js';
import { parseRegistriesConf, prefixOf, trimLocation } from './registries-conf.js';
import { certsFile, readable, type ContainersSnapshot } from './snapshot.js';

/**
 * Undo exactly what the record says a join did for the containers family: take its entries out of
 * regsetup's drop-in (what other joined registries also claim stays; the file goes once empty),
 * remove or restore the CA files it installed, drop its credHelpers entries. Files changed by hand
 * since join are left alone.
 */
export function unplanContainers(session: ContainersSessionInfo, snapshot: ContainersSnapshot, record: ContainersRecord, ctx: PlanContext & { registry: string; restart?: RestartPolicy }): RuntimePlan {
  const warnings: string[] = [];
  const actions: FileAction[] = [];
  const unchanged: string[] = [];

  for (const file of record.files) {
    const action = undoOwnedFile({ file, current: certsFile(snapshot, file.path), backups: snapshot.backups, journal: ctx.journal, registry: ctx.registry, reason: `remove the ${file.path.endsWith('.crt') ? 'CA' : 'file'} join installed for ${ctx.registry}`, warnings });
    if (action) actions.push(file.path.endsWith('.key') ? { ...action, secret: true } : action);
    else unchanged.push(file.path);
  }

  const path = record.dropIn;
  const entry = snapshot.dropIns.find((d) => d.path === path);
  const text = entry === undefined ? undefined : readable(entry.file, path);
  let model: DropInModel | undefined;
  let expect: RuntimePlan['expect'];
  if (text === undefined) {
    warnings.push(`${path} is gone already: nothing of ${ctx.registry} is left in it to remove.`);
  } else {
    const current = parseRegistriesConf(text, path, { ours: true, dropIn: true });
    const removed = removeFrom(current, record.entries, otherRecords(ctx.journal, session.id, ctx.registry));
    if (removed.missing.length > 0) warnings.push(`${removed.missing.join(', ')} had already been removed from ${path}.`);
    model = removed.model;
    const after = renderDropIn(model);
    if (after === undefined) actions.push({ kind: 'remove-file', path, before: text, reason: `remove ${record.entries.map((e) => e.prefix).join(', ')}; nothing else is in it` });
    else if (after !== text) {
      readBack(after, model, path);
      actions.push({ kind: 'write-file', path, before: text, after, mode: entry?.file.state === 'text' ? entry.file.mode : 0o644, reason: `remove what ${ctx.registry} added (${record.entries.map((e) => e.prefix).join(', ')})` });
    } else unchanged.push(path);
    expect = expectFor(snapshot, model, record);
  }

  let handOver: HandOver[] = [];
  if (record.authFile) {
    const action = unplanAuthFile(snapshot, record.authFile, warnings);
    if (action) actions.push(action);
    else unchanged.push(record.authFile.path);
    if (record.authFile.created && action?.kind !== 'remove-file') handOver = handOverAuthFile(session.id, record.authFile.path, ctx);
  }

  const dropInChanged = actions.some((a) => a.path === path);
  const decision = activationFor(snapshot, dropInChanged, ctx.restart ?? 'auto');
  warnings.push(...decision.warnings);
  return {
    runtime: session.id,
    kind: session.kind,
    label: session.label,
    actions,
    unchanged,
    activation: decision.activation,
    ...(decision.detail ? { activationDetail: decision.detail } : {}),
    ...(dropInChanged && expect !== undefined ? { expect } : {}),
    warnings,
    record: null,
    ...(handOver.length > 0 ? { handOver } : {}),
  };
}

/** An auth file this registry's join created, which stays because other registries' credHelpers are in it, passes to one of them (core/hand-over.ts). */
function handOverAuthFile(id: string, path: string, ctx: PlanContext & { registry: string }): HandOver[] {
  const heirs = heirsOf(ctx.journal, ctx.registry, id, (r) => containersRecord(r)!);
  const heir = heirs.others.find((h) => h.record.authFile?.path === path && h.record.authFile.keys.length > 0);
  if (heir) heirs.update(heir.registry, (r) => ({ ...r, authFile: { ...r.authFile!, created: true } }));
  return heirs.handOver();
}

/** podman's view once the entries are gone: what is left of regsetup's file, and none of this registry's mirrors. */
function expectFor(snapshot: ContainersSnapshot, model: DropInModel, record: ContainersRecord): RuntimePlan['expect'] {
  let shadowed = new Set<string>();
  try {
    shadowed = shadowedPrefixes({ ...readConfigSet(snapshot), ours: model });
  } catch {
    // Another file podman cannot read: leave still goes ahead; verify and doctor name that file.
  }
  const gone = record.entries
    .map((e) => {
      const left = new Set((model.tables.find((t) => prefixOf(t) === e.prefix)?.mirror ?? []).map((m) => trimLocation(m.location ?? '')));
      return { prefix: e.prefix, mirrors: e.mirrors.filter((m) => !left.has(m)) };
    })
    .filter((g) => g.mirrors.length > 0);
  return expectedFrom(model, shadowed, gone);
}
