import { sha256Hex } from '../../core/digest.js';
import { undoOwnedFile } from '../../core/owned-file.js';
import { heirsOf } from '../../core/hand-over.js';
import type { Cleanup, FileAction, HandOver, RuntimePlan } from '../../core/plan-types.js';
import type { PlanContext } from '../types.js';
import { decideK3sActivation } from './activation.js';
import { expectFrom } from './expect.js';
import { mergeAdded, noneAdded } from './added.js';
import { k3sRecord, type K3sRecord } from './record.js';
import { parseRegistries } from './registries-file.js';
import { removeEntries } from './registries-undo.js';
import { readRegistries } from './plan.js';
import { holdsSecret, maskSecrets } from './secrets.js';
import { ownFile, type K3sSnapshot } from './snapshot.js';
import { sameValue } from './yaml-doc.js';

/**
 * Undo exactly what the record says a join did for k3s: take its entries out of registries.yaml
 * (giving back the original bytes when nothing else changed since; removing the file when regsetup
 * created it and nothing else is in it), and remove or restore the files it installed. Entries and
 * files changed by hand since are left alone, and said.
 */
export function unplanK3s(snapshot: K3sSnapshot, record: K3sRecord, ctx: PlanContext): RuntimePlan {
  const { layout } = snapshot;
  const registry = ctx.entry?.registry ?? '';
  const warnings: string[] = [];
  const actions: FileAction[] = [];
  const unchanged: string[] = [];
  const cleanup: Cleanup[] = [];

  const path = snapshot.layout.registriesPath;
  if (record.registriesPath !== path) warnings.push(`${registry} was joined with ${record.registriesPath}, but ${layout.label} now reads ${path}: removing the entries from ${path}.`);
  let registriesAfter: string | undefined = snapshot.registriesText;
  const parsed = readRegistries(snapshot); // refuses a file that cannot be read safely, before anything else
  if (snapshot.registriesText !== undefined) {
    const undo = removeEntries(parsed, snapshot.registriesText, path, record.added);
    if (undo.gone.length > 0) warnings.push(`already removed from ${path}: ${undo.gone.join(', ')}.`);
    if (undo.kept.length > 0) warnings.push(`changed in ${path} after join, left as they are: ${undo.kept.join(', ')}.`);
    registriesAfter = original(snapshot, record, undo.text) ?? undo.text;
    // A file join created goes once nothing else is in it — after the agent restarted with it
    // emptied (apply's cleanup), so /etc/rancher/<kind> itself is never removed with it.
    if (record.createdRegistries && undo.empty) cleanup.push({ path, ifContent: registriesAfter, reason: 'join created it; nothing else is in it' });
    if (registriesAfter !== snapshot.registriesText) {
      actions.push({ kind: 'write-file', path, before: snapshot.registriesText, after: registriesAfter, mode: snapshot.registriesStat?.mode ?? 0o600, reason: `remove what join added for ${registry}`, ...(secret(snapshot.registriesText, registriesAfter, path)) });
    } else {
      unchanged.push(path);
    }
  } else if (record.added.endpoints.length + record.added.values.length + record.added.auth.length > 0) {
    warnings.push(`${path} is gone; there is nothing of ${registry} left to remove from it.`);
  }

  for (const file of record.files) {
    const action = undoOwnedFile({ file, current: ownFile(snapshot, file.path), backups: snapshot.backups, journal: ctx.journal, registry, reason: `remove the ${file.path.endsWith('.crt') ? 'CA' : 'file'} join installed for ${registry}`, warnings });
    if (action) actions.push(file.path.endsWith('.key') ? { ...action, secret: true } : action);
    else unchanged.push(file.path);
  }

  const handOver = handOverK3s(layout.id, record, ctx, path, cleanup.length > 0 ? undefined : registriesAfter);
  const changed = actions.some((a) => a.path === path);
  const decision = decideK3sActivation(changed, 'auto', snapshot);
  warnings.push(...decision.warnings);
  const hosts = [...new Set([...record.added.endpoints.map((e) => e.mirror), ...record.added.values.map((v) => v.path[1]!), ...record.added.auth.map((a) => a.host)])];
  const value = (text: string | undefined) => parseRegistries(text ?? '', path).value;
  return {
    runtime: layout.id,
    kind: layout.kind,
    label: layout.label,
    actions,
    unchanged,
    activation: decision.activation,
    ...(decision.activationDetail ? { activationDetail: decision.activationDetail } : {}),
    ...(decision.activation === 'restart' ? { expect: expectFrom(value(registriesAfter), layout, hosts), expectBefore: expectFrom(value(snapshot.registriesText), layout, hosts) } : {}),
    warnings,
    record: null,
    ...(handOver.length > 0 ? { handOver } : {}),
    ...(cleanup.length > 0 ? { cleanup } : {}),
  };
}

/**
 * registries.yaml (or a map in it) this registry's join created, which stays because other
 * registries' entries are in it, passes to one of them (core/hand-over.ts). `after`: the file as
 * this leave leaves it (undefined: it goes).
 */
function handOverK3s(id: string, record: K3sRecord, ctx: PlanContext, path: string, after: string | undefined): HandOver[] {
  if (after === undefined || (!record.createdRegistries && record.added.created.length === 0)) return [];
  const heirs = heirsOf(ctx.journal, ctx.entry?.registry ?? '', id, (r) => k3sRecord(r)!);
  const heir = heirs.others.find((h) => h.record.registriesPath === path && h.record.added.endpoints.length + h.record.added.values.length + h.record.added.auth.length > 0);
  if (heir === undefined) return []; // nothing of another registry is in it: what stays is not regsetup's
  const doc = parseRegistries(after, path).doc;
  const still = record.added.created.filter((c) => doc.getIn(c.path, true) !== undefined);
  heirs.update(heir.registry, (r) => ({
    ...r,
    ...(record.createdRegistries || r.createdRegistries ? { createdRegistries: true } : {}),
    added: mergeAdded(r.added, { ...noneAdded(), created: still }),
  }));
  return heirs.handOver();
}

/**
 * The bytes the last join replaced, when they say exactly what the file says without regsetup's
 * entries: the file is as that join left it, and its backup is intact. undefined otherwise.
 */
function original(snapshot: K3sSnapshot, record: K3sRecord, withoutOurs: string): string | undefined {
  const last = record.shared.find((f) => f.path === snapshot.layout.registriesPath);
  if (last === undefined || snapshot.registriesText === undefined || sha256Hex(snapshot.registriesText) !== last.sha256) return undefined;
  if (last.previous === undefined) return undefined;
  const backup = snapshot.backups[last.previous.backupPath];
  if (backup === undefined || sha256Hex(backup) !== last.previous.sha256) return undefined;
  const path = snapshot.layout.registriesPath;
  return sameValue(parseRegistries(backup, path).doc.toJS(), parseRegistries(withoutOurs, path).doc.toJS()) ? backup : undefined;
}

/** A file with credentials in it is shown only masked. */
function secret(before: string, after: string, path: string): { secret?: true; shown?: { before: string; after: string } } {
  if (!holdsSecret(parseRegistries(before, path).value) && !holdsSecret(parseRegistries(after, path).value)) return {};
  return { secret: true, shown: { before: maskSecrets(before, path), after: maskSecrets(after, path) } };
}
