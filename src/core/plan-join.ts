import { describePem, samePem, sha256Hex } from './digest.js';
import { editDaemonJson, parseDaemonJson, validateDaemonJson } from './daemon-json.js';
import { refused } from './errors.js';
import { caPath, type HostSnapshot } from './host-snapshot.js';
import { fileOwner, type JournalEntry } from './journal.js';
import { changedKeys, decideDaemonAction, refuseFlagConflicts } from './plan-daemon.js';
import type { Action, Plan, PlannedJournalEntry, ResolvedDesired } from './plan-types.js';

type PlannedFile = PlannedJournalEntry['files'][number];

/**
 * What `join` would change: merge the mirrors and insecure entries into daemon.json, install
 * the CA for the registry and the push registry, and decide how dockerd learns about it.
 * Pure: refuses (RegsetupError, exit 4) before anything is written when it would break the host.
 */
export function planJoin(snapshot: HostSnapshot, desired: ResolvedDesired, now: number): Plan {
  const hosts = [...new Set([desired.registry, ...(desired.pushRegistry === undefined ? [] : [desired.pushRegistry])])];
  const previous = snapshot.journal?.registries[desired.registry];
  const warnings: string[] = [];
  const actions: Action[] = [];
  const unchanged: string[] = [];
  const files = new Map<string, PlannedFile>((previous?.files ?? []).map((f) => [f.path, f]));

  // CA files first: certs.d is read at every pull, so they are live before dockerd reloads.
  if (desired.caPem !== undefined) {
    const pem = desired.caPem.endsWith('\n') ? desired.caPem : `${desired.caPem}\n`;
    for (const hostPort of hosts) {
      const planned = planCaFile(snapshot, hostPort, pem, desired.registry);
      if (planned.action) actions.push(planned.action);
      else unchanged.push(planned.path);
      if (planned.file) files.set(planned.file.path, planned.file);
    }
  }

  const path = snapshot.daemonJsonPath;
  const edit = editDaemonJson(
    snapshot.daemonJsonText ?? '',
    { addMirrors: desired.mirrors, addInsecure: desired.insecure ? hosts : [] },
    path,
  );
  const keys = edit.changed ? changedKeys(snapshot.daemonJsonText, edit.text, path) : [];
  if (edit.changed) {
    const problems = validateDaemonJson(parseDaemonJson(edit.text, path));
    if (problems.length > 0) {
      throw refused('ERR_DAEMON_JSON_INVALID', `${path} would hold entries dockerd refuses:\n  ${problems.join('\n  ')}`, `Fix them in ${path} first.`);
    }
    refuseFlagConflicts(keys, snapshot.flagSources, path);
    const what = [...edit.added.mirrors.map((m) => `mirror ${m}`), ...edit.added.insecure.map((h) => `insecure registry ${h}`)];
    actions.push({
      kind: 'write-file',
      path,
      ...(snapshot.daemonJsonText === undefined ? {} : { before: snapshot.daemonJsonText }),
      after: edit.text,
      mode: snapshot.daemonJsonStat?.mode ?? 0o644,
      reason: `add ${what.join(', ')}`,
    });
  } else {
    unchanged.push(path);
  }

  const decision = decideDaemonAction(keys, desired.restart, snapshot.dockerd);
  warnings.push(...decision.warnings);
  if (previous !== undefined && previous.daemonJsonPath !== path && edit.changed) {
    warnings.push(`${desired.registry} was joined with ${previous.daemonJsonPath}; dockerd now reads ${path}. Entries added to the old file stay there.`);
  }

  const plan: Plan = { operation: 'join', registry: desired.registry, daemonJsonPath: path, actions, unchanged, daemon: decision.daemon, warnings };
  // Nothing to write and already on record: up to date. Not on record (set up by hand, or a killed
  // leave forgot it), the journal still learns of it, so status and leave know what regsetup manages.
  if (actions.length === 0 && previous !== undefined) return plan;
  const iso = new Date(now).toISOString();
  const entry: PlannedJournalEntry = {
    registry: desired.registry,
    ...(desired.pushRegistry === undefined ? {} : { pushRegistry: desired.pushRegistry }),
    joinedAt: previous?.joinedAt ?? iso,
    updatedAt: iso,
    daemonJsonPath: path,
    // Only what this join added: an entry that was already there is not ours to remove on leave.
    added: {
      mirrors: union(previous?.added.mirrors, edit.added.mirrors),
      insecure: union(previous?.added.insecure, edit.added.insecure),
    },
    files: [...files.values()],
    ...(previous?.createdDaemonJson || (snapshot.daemonJsonText === undefined && edit.changed) ? { createdDaemonJson: true } : {}),
  };
  return { ...plan, journal: { op: 'record', entry } };
}

const union = (a: readonly string[] = [], b: readonly string[]): string[] => [...new Set([...a, ...b])];

interface PlannedCa {
  path: string;
  action?: Action;
  /** The journal's record of the file after this plan; undefined = not regsetup's. */
  file?: PlannedFile;
}

function planCaFile(snapshot: HostSnapshot, hostPort: string, pem: string, registry: string): PlannedCa {
  const path = caPath(snapshot.certsDir, hostPort);
  const dir = snapshot.existingCaFiles[hostPort] ?? {};
  const current = dir['ca.crt'];
  if (current !== undefined && samePem(current, pem)) return { path };
  // Docker reads every *.crt in the directory: the same CA under another name already works.
  const twin = Object.keys(dir).find((name) => name.endsWith('.crt') && samePem(dir[name]!, pem));
  if (twin !== undefined) return { path: `${path.slice(0, -'ca.crt'.length)}${twin}` };

  const sha256 = sha256Hex(pem);
  if (current === undefined) {
    return { path, action: { kind: 'write-file', path, after: pem, mode: 0o644, reason: `trust the CA ${describePem(pem)} for ${hostPort}` }, file: { path, sha256 } };
  }
  const owner = fileOwner(snapshot.journal, path);
  if (owner === undefined) {
    throw refused(
      'ERR_CA_CONFLICT',
      `${path} already holds another CA (${describePem(current)}), not installed by regsetup; ` +
        `it will not be replaced with ${describePem(pem)}`,
      'If the new CA is right, move the old file away (keep a copy) and run join again. ' +
        'If the old one is right, pass it with --ca-file or pin it with --ca-fingerprint.',
    );
  }
  // Replacing our own file (CA rotation, drift repair) keeps the record of what was there
  // before regsetup first touched it; taking over another registry's file remembers that one.
  const earlier: JournalEntry['files'][number]['previous'] | { sha256: string } | undefined =
    owner.entry.registry === registry ? owner.file.previous : { sha256: sha256Hex(current) };
  return {
    path,
    action: { kind: 'write-file', path, before: current, after: pem, mode: 0o644, reason: `replace the CA regsetup installed with ${describePem(pem)}` },
    file: { path, sha256, ...(earlier === undefined ? {} : { previous: earlier }) },
  };
}
