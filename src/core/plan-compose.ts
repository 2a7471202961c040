import { isDeepStrictEqual } from 'node:util';
import type { Journal, JournalEntry } from './journal.js';
import type { Plan, PlannedJournalEntry, PlannedRecord, RuntimePlan } from './plan-types.js';

// The runtime-neutral half of planning: each runtime planned its own files and record; this puts
// them together into one plan with one journal update for the registry.

interface ComposeInput {
  journal: Journal | undefined;
  registry: string;
  pushRegistry?: string;
  desiredDigest?: string;
  now: number;
}

const withoutTimes = (e: Omit<JournalEntry, 'runtimes'> & { runtimes: Record<string, unknown> }) => ({ ...e, joinedAt: undefined, updatedAt: undefined });

/** A join: every runtime's record replaces its old one; the registry is recorded when anything changed or it was not on record. */
export function composeJoin(runtimes: RuntimePlan[], input: ComposeInput, warnings: string[] = []): Plan {
  const previous = input.journal?.registries[input.registry];
  const records: Record<string, PlannedRecord> = { ...(previous?.runtimes ?? {}) };
  for (const r of runtimes) {
    if (r.record === null) delete records[r.runtime];
    else if (r.record !== undefined) records[r.runtime] = r.record;
  }
  const iso = new Date(input.now).toISOString();
  const entry: PlannedJournalEntry = {
    registry: input.registry,
    ...(input.pushRegistry === undefined ? {} : { pushRegistry: input.pushRegistry }),
    joinedAt: previous?.joinedAt ?? iso,
    updatedAt: iso,
    ...(input.desiredDigest === undefined ? {} : { desiredDigest: input.desiredDigest }),
    runtimes: records,
  };
  const plan: Plan = { operation: 'join', registry: input.registry, runtimes, warnings };
  const wrote = runtimes.some((r) => r.actions.length > 0);
  // Nothing to write and the record says it all: up to date. Not on record (set up by hand, or a
  // killed leave forgot it), the journal still learns of it, so status and leave know what regsetup manages.
  if (!wrote && previous !== undefined && isDeepStrictEqual(withoutTimes(previous), withoutTimes(entry))) return plan;
  return { ...plan, journal: { op: 'record', entry } };
}

/** A leave: the runtimes' records go; the registry is forgotten once no runtime record is left. */
export function composeLeave(runtimes: RuntimePlan[], input: Omit<ComposeInput, 'desiredDigest'>, warnings: string[] = []): Plan {
  const previous = input.journal?.registries[input.registry];
  const records: Record<string, PlannedRecord> = { ...(previous?.runtimes ?? {}) };
  for (const r of runtimes) if (r.record === null) delete records[r.runtime];
  const plan: Plan = { operation: 'leave', registry: input.registry, runtimes, warnings };
  const also = runtimes.flatMap((r) => (r.handOver ?? []).map((h) => ({ registry: h.registry, runtime: r.runtime, record: h.record })));
  const extra = also.length > 0 ? { also } : {};
  if (previous === undefined || Object.keys(records).length === 0) return { ...plan, journal: { op: 'forget', registry: input.registry, ...extra } };
  const entry: PlannedJournalEntry = { ...previous, updatedAt: new Date(input.now).toISOString(), runtimes: records };
  return { ...plan, journal: { op: 'record', entry, ...extra } };
}
