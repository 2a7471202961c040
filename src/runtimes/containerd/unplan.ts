import { heirsOf } from '../../core/hand-over.js';
import { undoOwnedFile } from '../../core/owned-file.js';
import type { FileAction, RuntimePlan } from '../../core/plan-types.js';
import type { PlanContext } from '../types.js';
import { unplanConfigEdit } from './config-edit.js';
import { handOverHostsFiles, unplanHostsFile } from './hosts.js';
import { providerPaths, unplanKubeletProvider } from './kubelet.js';
import { containerdRecord, type ContainerdRecord } from './record.js';
import type { ContainerdSessionInfo } from './plan.js';
import type { ContainerdSnapshot } from './snapshot.js';

const fileText = (snap: ContainerdSnapshot, path: string): string | undefined =>
  [snap.config, ...snap.imports].find((f) => f.path === path)?.text ?? snap.hostsFiles[path] ?? (snap.provider?.executable.path === path ? snap.provider.executable.text : undefined);

/**
 * Undo what the record says a join did for containerd: its [host] tables (files it created go when
 * nothing else is left in them), its CA and client files, the credential provider's entry — and,
 * when no other registry needs it any more, config_path (which takes a restart; the record of that
 * edit is handed to a registry that stays, so the last one to leave undoes it).
 */
export function unplanContainerd(session: ContainerdSessionInfo, snap: ContainerdSnapshot, record: ContainerdRecord, ctx: PlanContext & { registry: string }): RuntimePlan {
  const warnings: string[] = [];
  const actions: FileAction[] = [];
  const unchanged: string[] = [];
  const heirs = heirsOf(ctx.journal, ctx.registry, session.id, (r) => containerdRecord(r)!);
  const others = heirs.others;
  const exe = providerPaths(snap).executable;
  const dropIn = record.configEdit?.how === 'drop-in' ? record.configEdit.dropIn : undefined;
  for (const h of record.hostsFiles) {
    const a = unplanHostsFile(h, snap.hostsFiles[h.path], `remove the hosts ${ctx.registry} added`, warnings);
    if (a) actions.push(a);
    else unchanged.push(h.path);
  }
  const configFiles = new Set([snap.config.path, ...snap.imports.map((f) => f.path)]);
  for (const file of record.files) {
    // The provider executable and a drop-in serve every registry: they go with the last one.
    if ((file.path === exe || file.path === dropIn) && others.length > 0) continue;
    if (configFiles.has(file.path) && others.length > 0) continue;
    const a = undoOwnedFile({ file, current: fileText(snap, file.path), backups: snap.backups, journal: ctx.journal, registry: ctx.registry, reason: `remove the file join installed for ${ctx.registry}`, warnings });
    if (a) actions.push(file.path.endsWith('.key') ? { ...a, secret: true } : a);
    else unchanged.push(file.path);
  }
  actions.push(...unplanKubeletProvider(snap, [ctx.registry, ...(ctx.entry?.pushRegistry ? [ctx.entry.pushRegistry] : [])], warnings));

  let restart = false;
  if (record.configEdit !== undefined) {
    const heir = others[0];
    if (heir !== undefined) {
      // Still needed: the edit's record moves to a registry that stays.
      const moved = record.files.filter((f) => configFiles.has(f.path) || f.path === dropIn);
      heirs.update(heir.registry, (theirs) => ({ ...theirs, configEdit: record.configEdit, files: [...theirs.files, ...moved.filter((f) => !theirs.files.some((t) => t.path === f.path))] }));
      warnings.push(`config_path stays on: ${heir.registry} still uses containerd's hosts.toml.`);
    } else {
      const backedUp = new Set(record.files.filter((f) => f.previous !== undefined && configFiles.has(f.path)).map((f) => f.path));
      const undo = backedUp.has(record.configEdit.file) && record.configEdit.how === 'in-place' ? [] : unplanConfigEdit(snap, record.configEdit, warnings);
      actions.push(...undo.filter((a) => !actions.some((x) => x.path === a.path)));
      restart = undo.length > 0 || backedUp.size > 0;
    }
  }
  handOverHostsFiles(record.hostsFiles, new Set(actions.filter((a) => a.kind === 'remove-file').map((a) => a.path)), heirs);
  const handOver = heirs.handOver();
  const activation = restart && snap.running && snap.canRestart ? 'restart' : 'none';
  if (restart && activation === 'none') warnings.push('containerd must restart to stop reading hosts.toml; restart it when convenient (never with SIGHUP, which kills it).');
  return {
    runtime: session.id,
    kind: 'containerd',
    label: session.label,
    actions,
    unchanged,
    activation,
    ...(activation === 'restart' ? { activationDetail: 'stop and start; running containers keep running in their shims' } : {}),
    expect: { configPathRoot: null },
    expectBefore: { configPathRoot: record.hostsRoot },
    warnings,
    record: null,
    ...(handOver.length > 0 ? { handOver } : {}),
  };
}
