import { sha256Hex } from '../../core/digest.js';
import { refused } from '../../core/errors.js';
import { joinHosts, type FileAction, type PlannedFile, type ResolvedDesired, type RuntimePlan } from '../../core/plan-types.js';
import type { PlanContext } from '../types.js';
import { decideK3sActivation } from './activation.js';
import { mergeAdded, noneAdded } from './added.js';
import { credentialWarnings } from './credentials-note.js';
import { expectFrom } from './expect.js';
import { ownFilePlans } from './own-files.js';
import type { K3sRecord, PlannedK3sRecord } from './record.js';
import { mergeEntries } from './registries-edit.js';
import { parseRegistries } from './registries-file.js';
import { holdsSecret, maskSecrets } from './secrets.js';
import type { K3sSnapshot } from './snapshot.js';
import { refuseTraps, trapWarnings } from './trap-refusal.js';
import { wantedFor } from './wanted.js';

/** The file as it is, parsed; refuses (exit 4) what cannot be read safely or is not a registries.yaml. */
export function readRegistries(snapshot: K3sSnapshot) {
  if (snapshot.registriesProblem) throw snapshot.registriesProblem;
  return parseRegistries(snapshot.registriesText ?? '', snapshot.layout.registriesPath);
}

/**
 * What `join` changes for k3s/rke2: merge the mirrors and configs into registries.yaml, install
 * the CA (and client pair) in regsetup's own directory, and restart the agent, which turns the
 * file into containerd's hosts.toml only at start. Pure: refuses (exit 4) before anything is
 * written when the file is unreadable, holds a known trap, or another value would be overwritten.
 */
export function planK3s(snapshot: K3sSnapshot, desired: ResolvedDesired, previous: K3sRecord | undefined, ctx: PlanContext): RuntimePlan {
  const { layout } = snapshot;
  const path = layout.registriesPath;
  const source = snapshot.registriesText ?? '';
  const parsed = readRegistries(snapshot);
  const warnings = credentialWarnings(desired, layout);
  const actions: FileAction[] = [];
  const unchanged: string[] = [];
  const files = new Map<string, PlannedFile>((previous?.files ?? []).map((f) => [f.path, f]));

  for (const planned of ownFilePlans(snapshot, desired, joinHosts(desired), ctx)) {
    if (planned.action) actions.push(planned.action);
    else unchanged.push(planned.path);
    if (planned.file) files.set(planned.file.path, planned.file);
  }

  const wanted = wantedFor(desired, layout);
  const merge = mergeEntries(parsed, source, path, wanted.entries, previous?.added ?? noneAdded());
  const conflict = merge.conflicts[0];
  if (conflict) {
    throw refused(
      'ERR_K3S_CONFLICT',
      `${path}: ${conflict.path.join('.')} already holds ${String(conflict.current)}, not set by regsetup; it will not be replaced`,
      conflict.path.at(-1) === 'auth'
        ? `Remove those credentials from ${path} (or keep them and leave out --k3s-store-auth-plaintext), then run again. Nothing was changed.`
        : `If the new setting is right, remove the old one from ${path} and run again; if the old one is right, leave this run's option out. Nothing was changed.`,
    );
  }
  const after = merge.changed ? parseRegistries(merge.text, path) : parsed;
  // A file that would be written (and a restart that makes it live) must not carry a trap; one
  // that stays as it is only gets the warning, doctor explains it.
  // Lines are named in the file as it is: regsetup only appends, so a trap it reports was there already.
  if (merge.changed) refuseTraps(after, path, parsed);
  else warnings.push(...trapWarnings(after, path));

  if (merge.changed) {
    const secret = holdsSecret(parsed.value) || holdsSecret(after.value);
    const mode = snapshot.registriesStat?.mode ?? 0o600;
    const tight = merge.added.auth.length > 0 && (mode & 0o077) !== 0 ? 0o600 : mode;
    if (tight !== mode) warnings.push(`${path} was mode 0${mode.toString(8)}; it now holds a password, so it becomes 0600.`);
    actions.push({
      kind: 'write-file',
      path,
      ...(snapshot.registriesText === undefined ? {} : { before: snapshot.registriesText }),
      after: merge.text,
      mode: tight,
      reason: reasonOf(merge.added),
      ...(secret ? { secret: true, shown: { ...(snapshot.registriesText === undefined ? {} : { before: maskSecrets(source, path) }), after: maskSecrets(merge.text, path) } } : {}),
    });
  } else {
    unchanged.push(path);
  }

  const decision = decideK3sActivation(merge.changed, desired.restart, snapshot);
  warnings.push(...decision.warnings);
  const record: PlannedK3sRecord = {
    kind: layout.kind,
    registriesPath: path,
    added: mergeAdded(previous?.added ?? noneAdded(), merge.added),
    files: [...files.values()],
    // The last write and what it replaced (apply keeps the backup): leave gives those bytes back.
    shared: merge.changed
      ? [{ path, sha256: sha256Hex(merge.text), ...(snapshot.registriesText === undefined ? {} : { previous: { sha256: sha256Hex(snapshot.registriesText) } }) }]
      : (previous?.shared ?? []),
    ...(previous?.createdRegistries || (snapshot.registriesText === undefined && merge.changed) ? { createdRegistries: true } : {}),
  };
  return {
    runtime: layout.id,
    kind: layout.kind,
    label: layout.label,
    actions,
    unchanged,
    activation: decision.activation,
    ...(decision.activationDetail ? { activationDetail: decision.activationDetail } : {}),
    ...(decision.activation === 'restart'
      ? { expect: expectFrom(after.value, layout, wanted.hosts), expectBefore: expectFrom(parsed.value, layout, wanted.hosts) }
      : {}),
    warnings,
    record,
  };
}

function reasonOf(added: ReturnType<typeof noneAdded>): string {
  const what = [
    ...added.endpoints.map((e) => `mirror ${e.url} for ${e.mirror}`),
    ...added.values.map((v) => `${v.path.join('.')}`),
    ...added.auth.map((a) => `configs.${a.host}.auth (plaintext, user ${a.username})`),
  ];
  return what.length === 0 ? 'tidy the entries regsetup manages' : `add ${what.join(', ')}`;
}
