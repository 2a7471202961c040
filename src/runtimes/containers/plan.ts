import { joinHosts, type FileAction, type PlannedFile, type ResolvedDesired, type RuntimePlan } from '../../core/plan-types.js';
import type { PlanContext } from '../types.js';
import { activationFor } from './activation.js';
import { planAuthFile } from './auth-file.js';
import { planCerts } from './certs.js';
import { readConfigSet, shadowedPrefixes, shadowWarnings } from './config-set.js';
import { expectedFrom } from './confirm.js';
import { contributions } from './contributions.js';
import { mergeInto, readBack, renderDropIn } from './drop-in.js';
import type { ContainersRecord, PlannedContainersRecord } from './record.js';
import { effectiveTables, type RegistryTable } from './registries-conf.js';
import type { ContainersSnapshot } from './snapshot.js';

export interface ContainersSessionInfo {
  id: string;
  kind: 'podman' | 'crio';
  label: string;
}

/**
 * What `join` changes for podman, buildah, skopeo and CRI-O: merge the registry's tables (and
 * each mirrored upstream's) into regsetup's drop-in, install the CA where containers/image will
 * look for it, name regsetup's helper in the auth file when the join has credentials, and SIGHUP
 * CRI-O when it runs. Pure: refuses (exit 4) before anything is written what podman would refuse.
 */
export function planContainers(session: ContainersSessionInfo, snapshot: ContainersSnapshot, desired: ResolvedDesired, previous: ContainersRecord | undefined, ctx: PlanContext): RuntimePlan {
  const { layout } = snapshot;
  const warnings: string[] = [];
  const actions: FileAction[] = [];
  const unchanged: string[] = [];
  const files = new Map<string, PlannedFile>((previous?.files ?? []).map((f) => [f.path, f]));

  const set = readConfigSet(snapshot);
  if (set.main?.v1) {
    // containers/image converts a version 1 registries.conf and merges the v2 drop-ins over it (loadConfigFile, then updateWithConfigurationFrom).
    warnings.push(`${layout.registriesConf}${set.main.v1.line ? ` (line ${set.main.v1.line})` : ''} is in the version 1 format ([registries.search]); podman 4 still reads it with regsetup's drop-in over it, but newer containers/image versions drop version 1: convert it to version 2 (unqualified-search-registries, [[registry]]).`);
  }

  // CA (and client pair) first: read at every pull, they are in place before any table names the registry.
  for (const hostPort of joinHosts(desired)) {
    const certs = planCerts(snapshot, desired, hostPort, ctx);
    warnings.push(...certs.warnings);
    unchanged.push(...certs.unchanged);
    for (const planned of certs.planned) {
      if (planned.action) actions.push(planned.action);
      else unchanged.push(planned.path);
      if (planned.file) files.set(planned.file.path, planned.file);
    }
  }

  const base = new Map<string, RegistryTable>([...effectiveTables(set.before)].map(([prefix, { table }]) => [prefix, table]));
  const merged = mergeInto(set.ours, base, contributions(desired, warnings), previous?.entries ?? []);
  const sources = effectiveTables(set.before);
  for (const prefix of merged.seeded) {
    warnings.push(`${prefix} is also defined in ${sources.get(prefix)!.path}: regsetup's drop-in replaces that entry, so it starts as a copy of it (later changes there are not used until leave).`);
  }
  warnings.push(...shadowWarnings(snapshot, set, merged.entries.map((e) => e.prefix)));
  const text = renderDropIn(merged.model)!;
  readBack(text, merged.model, layout.dropIn);
  const dropInChanged = text !== set.oursText;
  if (dropInChanged) {
    const mode = snapshot.dropIns.find((d) => d.path === layout.dropIn)?.file;
    const added = merged.entries.filter((e) => !previous?.entries.some((p) => p.prefix === e.prefix)).map((e) => e.prefix);
    actions.push({
      kind: 'write-file',
      path: layout.dropIn,
      ...(set.oursText === undefined ? {} : { before: set.oursText }),
      after: text,
      mode: mode?.state === 'text' ? mode.mode : 0o644,
      reason: added.length > 0 ? `add ${added.join(', ')} for podman, buildah, skopeo and CRI-O` : `update the entries of ${desired.registry}`,
    });
  } else {
    unchanged.push(layout.dropIn);
  }

  const auth = desired.credentialHelper ? planAuthFile(snapshot, joinHosts(desired), previous?.authFile) : { record: previous?.authFile, warnings: [] };
  warnings.push(...auth.warnings);
  if ('action' in auth && auth.action) actions.push(auth.action);
  else if (desired.credentialHelper) unchanged.push(layout.authFile);

  const activation = activationFor(snapshot, dropInChanged, desired.restart);
  warnings.push(...activation.warnings);
  const record: PlannedContainersRecord = {
    kind: session.kind,
    dropIn: layout.dropIn,
    entries: merged.entries,
    files: [...files.values()],
    ...(auth.record ? { authFile: auth.record } : {}),
  };
  return {
    runtime: session.id,
    kind: session.kind,
    label: session.label,
    actions,
    unchanged,
    activation: activation.activation,
    ...(activation.detail ? { activationDetail: activation.detail } : {}),
    ...(dropInChanged ? { expect: expectedFrom(merged.model, shadowedPrefixes({ ...set, ours: merged.model })), expectBefore: expectedFrom(set.ours, shadowedPrefixes(set)) } : {}),
    warnings,
    record,
  };
}
