import { sha256Hex } from './digest.js';
import { editDaemonJson, parseDaemonJson } from './daemon-json.js';
import type { RestartPolicy } from './desired-state.js';
import { ExitCode, RegsetupError } from './errors.js';
import { certsFile, type HostSnapshot } from './host-snapshot.js';
import type { JournalEntry } from './journal.js';
import { changedKeys, decideDaemonAction } from './plan-daemon.js';
import type { Action, Plan } from './plan-types.js';
import { parseRegistry } from './registry-name.js';

/**
 * Undo exactly what the journal says join did for `registry`: remove the daemon.json
 * entries it added (never those that were there before), remove or restore the files it
 * installed, and forget the registry. Files changed by hand since join are left alone.
 * `now` is not needed today; it keeps the planners' signatures alike for the agent.
 */
export function planLeave(snapshot: HostSnapshot, registry: string, _now: number, options: { restart?: RestartPolicy } = {}): Plan {
  const hostPort = parseRegistry(registry).hostPort;
  const entry = snapshot.journal?.registries[hostPort];
  if (entry === undefined) {
    throw new RegsetupError('ERR_NOT_MANAGED', `regsetup has no record of joining ${hostPort} on this host; there is nothing of its own to undo`, {
      hint: 'Run `regsetup status` to list the registries regsetup manages. Settings made by hand are yours to remove.',
      exitCode: ExitCode.usage,
    });
  }
  const warnings: string[] = [];
  const actions: Action[] = [];
  const unchanged: string[] = [];

  for (const file of entry.files) {
    const action = undoFile(snapshot, entry, file, warnings);
    if (action) actions.push(action);
    else unchanged.push(file.path);
  }

  const path = snapshot.daemonJsonPath;
  if (entry.daemonJsonPath !== path) {
    warnings.push(`${hostPort} was joined with ${entry.daemonJsonPath}, but dockerd now reads ${path}: removing the entries from ${path}.`);
  }
  const edit = editDaemonJson(snapshot.daemonJsonText ?? '', { removeMirrors: entry.added.mirrors, removeInsecure: entry.added.insecure }, path);
  const gone = [...entry.added.mirrors, ...entry.added.insecure].length - [...edit.removed.mirrors, ...edit.removed.insecure].length;
  if (gone > 0) warnings.push(`${gone} entr${gone === 1 ? 'y' : 'ies'} join added to ${path} had already been removed.`);
  let keys: string[] = [];
  if (edit.changed && snapshot.daemonJsonText !== undefined) {
    keys = changedKeys(snapshot.daemonJsonText, edit.text, path);
    const what = [...edit.removed.mirrors.map((m) => `mirror ${m}`), ...edit.removed.insecure.map((h) => `insecure registry ${h}`)];
    // An emptied list stays as [] (editDaemonJson): on SIGHUP dockerd keeps a setting whose key is absent.
    actions.push({ kind: 'write-file', path, before: snapshot.daemonJsonText, after: edit.text, mode: snapshot.daemonJsonStat?.mode ?? 0o644, reason: `remove ${what.join(', ')}` });
  } else {
    unchanged.push(path);
  }

  const decision = decideDaemonAction(keys, options.restart ?? 'auto', snapshot.dockerd);
  warnings.push(...decision.warnings);
  const emptied = edit.changed && entry.createdDaemonJson === true && onlyEmptyLists(edit.text, path);
  return {
    operation: 'leave',
    registry: hostPort,
    daemonJsonPath: path,
    actions,
    unchanged,
    daemon: decision.daemon,
    warnings,
    journal: { op: 'forget', registry: hostPort },
    ...(emptied ? { cleanup: [{ path, ifContent: edit.text, reason: 'join created it; nothing else is in it' }] } : {}),
  };
}

/** Nothing left but the lists leave emptied: the file says no more than no file would. */
function onlyEmptyLists(text: string, path: string): boolean {
  const config = parseDaemonJson(text, path);
  return Object.entries(config).every(([key, value]) => ['registry-mirrors', 'insecure-registries'].includes(key) && Array.isArray(value) && value.length === 0);
}

function undoFile(snapshot: HostSnapshot, entry: JournalEntry, file: JournalEntry['files'][number], warnings: string[]): Action | undefined {
  const current = certsFile(snapshot, file.path);
  if (current !== undefined && sha256Hex(current) !== file.sha256) {
    // Another joined registry installed its own file here since (this one's push registry, say): still in use.
    const sha = sha256Hex(current);
    const taken = Object.values(snapshot.journal?.registries ?? {}).some((e) => e !== entry && e.files.some((f) => f.path === file.path && f.sha256 === sha));
    if (!taken) warnings.push(`${file.path} was changed after join; left as it is.`);
    return undefined;
  }
  if (file.previous !== undefined) {
    const backup = snapshot.backups?.[file.previous.backupPath];
    if (backup === undefined || sha256Hex(backup) !== file.previous.sha256) {
      warnings.push(`The backup ${file.previous.backupPath} of the file join replaced is missing or changed; ${file.path} is left as it is.`);
      return undefined;
    }
    return {
      kind: 'write-file',
      path: file.path,
      ...(current === undefined ? {} : { before: current }),
      after: backup,
      mode: 0o644,
      reason: 'restore the file join replaced',
    };
  }
  if (current === undefined) return undefined;
  return { kind: 'remove-file', path: file.path, before: current, reason: `remove the CA join installed for ${entry.registry}` };
}
