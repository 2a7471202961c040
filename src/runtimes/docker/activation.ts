import { parseDaemonJson } from '../../core/daemon-json.js';
import type { DaemonJsonOptions } from '../../core/daemon-json-encoding.js';
import type { RestartPolicy } from '../../core/desired-state.js';
import { refused } from '../../core/errors.js';
import type { Activation } from '../../core/plan-types.js';
import type { DockerSnapshot, FlagSourceLike } from './snapshot.js';

// How a daemon.json change reaches the running dockerd. SIGHUP re-reads these keys
// (moby daemon/reload.go) and keeps containers running; any other key needs a restart.
export const RELOADABLE_KEYS: ReadonlySet<string> = new Set([
  'registry-mirrors',
  'insecure-registries',
  'labels',
  'debug',
  'live-restore',
  'max-concurrent-downloads',
  'max-concurrent-uploads',
  'max-download-attempts',
  'shutdown-timeout',
  'default-runtime',
  'runtimes',
  'features',
  'builder',
]);

/** Top-level keys whose value differs between two daemon.json texts (undefined = no file). */
export function changedKeys(before: string | Uint8Array | undefined, after: string | Uint8Array, source: string, options: DaemonJsonOptions = {}): string[] {
  const a = parseDaemonJson(before ?? '', source, options);
  const b = parseDaemonJson(after, source, options);
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key])).sort();
}

/** A key both in daemon.json and on dockerd's command line stops dockerd: refuse first. */
export function refuseFlagConflicts(keys: readonly string[], sources: readonly FlagSourceLike[], daemonJsonPath: string): void {
  const hits = sources.filter((s) => s.key !== undefined && keys.includes(s.key));
  if (hits.length === 0) return;
  const lines = hits.map((s) => `${s.key}: dockerd takes ${s.flag}${s.value === undefined ? '' : `=${s.value}`} from ${s.source}`);
  const first = hits[0]!;
  throw refused(
    'ERR_FLAG_CONFLICT',
    `Writing ${[...new Set(hits.map((s) => s.key))].join(', ')} to ${daemonJsonPath} would stop dockerd from starting ` +
      `(a setting may be a flag or in the file, not both):\n  ${lines.join('\n  ')}`,
    `Move ${first.flag} out of ${first.source} into ${daemonJsonPath} and run again, or leave that setting out of this run ` +
      '(e.g. --mirror none, or no --insecure).',
  );
}

export interface DaemonDecision {
  activation: Activation;
  warnings: string[];
}

export function decideActivation(keys: readonly string[], policy: RestartPolicy, dockerd: DockerSnapshot['dockerd']): DaemonDecision {
  if (keys.length === 0) return { activation: 'none', warnings: [] };
  const needRestart = keys.filter((key) => !RELOADABLE_KEYS.has(key));
  if (policy === 'never') {
    return { activation: 'none', warnings: [`dockerd is not told (--restart never): the change to ${keys.join(', ')} is not live until dockerd reloads or restarts.`] };
  }
  if (!dockerd.running) {
    return { activation: 'none', warnings: [`dockerd is not running: it reads the new ${keys.join(', ')} when it starts.`] };
  }
  if (policy === 'reload' && needRestart.length > 0) {
    throw refused(
      'ERR_RESTART_REQUIRED',
      `${needRestart.join(', ')} cannot be reloaded with SIGHUP; dockerd would have to restart (--restart reload forbids it)`,
      'Use --restart auto or --restart restart, or --restart never and restart dockerd yourself.',
    );
  }
  if (policy === 'reload' || (policy === 'auto' && needRestart.length === 0)) return { activation: 'reload', warnings: [] };
  const warnings: string[] = [];
  if (!dockerd.liveRestore && dockerd.runningContainers > 0) {
    const n = dockerd.runningContainers;
    warnings.push(`Restarting dockerd stops the ${n} running container${n === 1 ? '' : 's'} (live-restore is off).`);
  }
  return { activation: 'restart', warnings };
}

const DETAIL: Record<Activation, string | undefined> = {
  reload: 'SIGHUP; running containers keep running',
  restart: 'running containers stop unless live-restore is on',
  none: undefined,
};

export const activationDetail = (a: Activation): { activationDetail?: string } => (DETAIL[a] === undefined ? {} : { activationDetail: DETAIL[a] });
