// Shared data for the k3s runtime's tests: literal snapshots, the planners composed as converge
// composes them, and what the node looks like after a plan ran (what the next plan sees).
import { readFileSync } from 'node:fs';
import { emptyJournal, forgetRegistry, recordJoin, type Journal, type JournalEntry } from '../../../src/core/journal.js';
import { composeJoin, composeLeave } from '../../../src/core/plan-compose.js';
import type { Plan, ResolvedDesired, RuntimePlan } from '../../../src/core/plan-types.js';
import { layoutFor, type K3sKind } from '../../../src/runtimes/k3s/layout.js';
import { planK3s } from '../../../src/runtimes/k3s/plan.js';
import { k3sRecord } from '../../../src/runtimes/k3s/record.js';
import type { K3sSnapshot } from '../../../src/runtimes/k3s/snapshot.js';
import { unplanK3s } from '../../../src/runtimes/k3s/unplan.js';
import { desired as dockerDesired, pem } from './join-fixtures.js';

export { pem };
export const NOW = Date.parse('2026-05-01T10:00:00Z');
export const REGISTRIES = '/etc/rancher/k3s/registries.yaml';
export const OWN = '/etc/rancher/k3s/regsetup';

export const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/k3s/${name}`, import.meta.url), 'utf8');

export type TestSnapshot = K3sSnapshot & { journal?: Journal };

export function k3sSnapshot(overrides: Partial<TestSnapshot> & { kind?: K3sKind } = {}): TestSnapshot {
  const { kind = 'k3s', ...rest } = overrides;
  return {
    layout: layoutFor(kind),
    ownFiles: {},
    backups: {},
    agent: { running: true, unit: kind === 'k3s' ? 'k3s.service' : 'rke2-server.service', pid: 777 },
    ...rest,
  };
}

type Overrides = Parameters<typeof dockerDesired>[0] & { mirrorFor?: Array<{ upstream: string; url: string }> };

/** A resolved desired state; `mirrors` are Docker Hub mirror URLs, `mirrorFor` other upstreams'. */
export function desired(overrides: Overrides = {}): ResolvedDesired {
  const { mirrorFor = [], ...rest } = overrides;
  const d = dockerDesired(rest);
  return { ...d, mirrors: [...d.mirrors, ...mirrorFor] };
}

const ctxOf = (s: TestSnapshot, registry: string) => {
  const journal = s.journal ?? emptyJournal();
  const entry = journal.registries[registry];
  return { journal, ...(entry ? { entry } : {}), now: NOW };
};

export function planJoin(s: TestSnapshot, d: ResolvedDesired): Plan {
  const ctx = ctxOf(s, d.registry);
  const part = planK3s(s, d, k3sRecord(ctx.entry?.runtimes[s.layout.id]), ctx);
  return composeJoin([part], { journal: ctx.journal, registry: d.registry, ...(d.pushRegistry ? { pushRegistry: d.pushRegistry } : {}), now: NOW });
}

export function planLeave(s: TestSnapshot, registry: string): Plan {
  const ctx = ctxOf(s, registry);
  const part = unplanK3s(s, k3sRecord(ctx.entry!.runtimes[s.layout.id])!, ctx);
  return composeLeave([part], { journal: ctx.journal, registry, now: NOW });
}

export const part = (plan: Plan): RuntimePlan => plan.runtimes[0]!;
export const writeOf = (plan: Plan, path: string) => part(plan).actions.find((a) => a.path === path && a.kind === 'write-file') as { after: string; before?: string; mode: number; secret?: boolean } | undefined;

let backups = 0;

/** The snapshot a node gives after apply ran the plan (backups made, cleanups done, journal written). */
export function afterPlan(before: TestSnapshot, plan: Plan): TestSnapshot {
  const next: TestSnapshot = { ...before, ownFiles: structuredClone(before.ownFiles), backups: { ...before.backups } };
  const dir = `/var/lib/regsetup/backups/${++backups}`;
  const made: Record<string, string> = {};
  for (const action of part(plan).actions) {
    const current = action.path === before.layout.registriesPath ? before.registriesText : ownOf(before, action.path);
    if (current !== undefined) next.backups[(made[action.path] = `${dir}${action.path}`)] = current;
    const text = action.kind === 'write-file' ? action.after : undefined;
    if (action.path === before.layout.registriesPath) {
      next.registriesText = text;
      continue;
    }
    const [host, name] = action.path.slice(`${before.layout.ownDir}/`.length).split('/') as [string, string];
    const files = (next.ownFiles[host] ??= {});
    if (text === undefined) delete files[name];
    else files[name] = text;
  }
  for (const c of part(plan).cleanup ?? []) if (c.path === next.layout.registriesPath && next.registriesText === c.ifContent) delete next.registriesText;
  const journal = before.journal ?? emptyJournal();
  const update = plan.journal;
  if (update?.op === 'forget') next.journal = forgetRegistry(journal, update.registry);
  if (update?.op === 'record') {
    const fill = (f: { path: string; sha256: string; previous?: { sha256: string; backupPath?: string } }) =>
      f.previous === undefined ? { path: f.path, sha256: f.sha256 } : { ...f, previous: { sha256: f.previous.sha256, backupPath: f.previous.backupPath ?? made[f.path]! } };
    const runtimes = Object.fromEntries(
      Object.entries(update.entry.runtimes).map(([id, r]) => [id, { ...r, files: r.files.map(fill), ...(r.shared ? { shared: r.shared.map(fill) } : {}) }]),
    );
    next.journal = recordJoin(journal, { ...update.entry, runtimes } as JournalEntry);
  }
  return next;
}

function ownOf(s: TestSnapshot, path: string): string | undefined {
  const [host, name] = path.slice(`${s.layout.ownDir}/`.length).split('/');
  return s.ownFiles[host!]?.[name!];
}
