// Shared data for the plan, journal and apply tests: literal snapshots and desired states.
import type { HostSnapshot } from '../../../src/core/host-snapshot.js';
import { recordJoin, forgetRegistry, emptyJournal, type JournalEntry } from '../../../src/core/journal.js';
import type { Plan, ResolvedDesired } from '../../../src/core/plan-types.js';
import type { RegsetupError } from '../../../src/core/errors.js';

/** A PEM-shaped certificate: the planner compares DER bytes, so any base64 body will do. */
export const pem = (label: string): string =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(`certificate of ${label}`).toString('base64')}\n-----END CERTIFICATE-----\n`;

export const DAEMON_JSON = '/etc/docker/daemon.json';
export const CERTS = '/etc/docker/certs.d';

export function snapshot(overrides: Partial<HostSnapshot> = {}): HostSnapshot {
  return {
    daemonJsonPath: DAEMON_JSON,
    certsDir: CERTS,
    existingCaFiles: {},
    flagSources: [],
    dockerd: { running: true, liveRestore: false, runningContainers: 0, supportsValidate: false },
    ...overrides,
  };
}

export function desired(overrides: Partial<ResolvedDesired> = {}): ResolvedDesired {
  return {
    registry: 'nexus.example.com',
    mirrors: ['https://nexus.example.com'],
    insecure: false,
    ca: { trustOnFirstUse: false },
    maxClockSkewSeconds: 30,
    restart: 'auto',
    verify: true,
    runtimes: ['docker'],
    caPem: pem('lab CA'),
    ...overrides,
  };
}

/** The snapshot a host would give after a plan ran: what the next plan sees. */
export function afterPlan(before: HostSnapshot, plan: Plan): HostSnapshot {
  const next: HostSnapshot = { ...before, existingCaFiles: structuredClone(before.existingCaFiles) };
  for (const action of plan.actions) {
    const text = action.kind === 'write-file' ? action.after : undefined;
    if (action.path === before.daemonJsonPath) {
      next.daemonJsonText = text;
      continue;
    }
    const [hostPort, name] = action.path.slice(`${before.certsDir}/`.length).split('/') as [string, string];
    const dir = (next.existingCaFiles[hostPort] ??= {});
    if (text === undefined) delete dir[name];
    else dir[name] = text;
  }
  const journal = before.journal ?? emptyJournal();
  const update = plan.journal;
  if (update?.op === 'forget') next.journal = forgetRegistry(journal, update.registry);
  if (update?.op === 'record') {
    const files = update.entry.files.map((f) =>
      f.previous === undefined ? { path: f.path, sha256: f.sha256 } : { ...f, previous: { sha256: f.previous.sha256, backupPath: f.previous.backupPath ?? `/var/lib/regsetup/backups/t${f.path}` } },
    );
    next.journal = recordJoin(journal, { ...update.entry, files } as JournalEntry);
  }
  return next;
}

/** The RegsetupError a planner call throws (the test fails when it throws none). */
export function failure(fn: () => unknown): RegsetupError {
  try {
    fn();
  } catch (error) {
    return error as RegsetupError;
  }
  throw new Error('expected a refusal');
}
