import type { Journal, RuntimeRecord } from './journal.js';
import type { HandOver, PlannedRecord } from './plan-types.js';

// What a registry's join created on the node (daemon.json, a hosts.toml, registries.yaml, a map in
// it) is removed by a leave once nothing is left in it. When other registries' entries are still
// in it, the leaving registry hands the creation to one of them
// (docs/architecture.md, "Leave in any order"): otherwise leaves in another order than the joins
// would leave an empty shell behind.

export interface Heirs<R> {
  /** The other registries on record with this runtime session, their records read as the runtime's. */
  readonly others: ReadonlyArray<{ registry: string; record: R }>;
  /** Change the record `registry` will have (starting from its record on file, or from the last change). */
  update(registry: string, change: (record: R) => R): void;
  /** One hand-over per registry whose record changed. */
  handOver(): HandOver[];
}

export function heirsOf<R>(journal: Journal, leaving: string, runtime: string, read: (record: RuntimeRecord) => R): Heirs<R> {
  const others = Object.values(journal.registries)
    .filter((e) => e.registry !== leaving && e.runtimes[runtime] !== undefined)
    .map((e) => ({ registry: e.registry, record: read(e.runtimes[runtime]!) }));
  const changed = new Map<string, R>();
  return {
    others,
    update(registry, change) {
      const current = changed.get(registry) ?? others.find((o) => o.registry === registry)?.record;
      if (current !== undefined) changed.set(registry, change(current));
    },
    handOver: () => [...changed].map(([registry, record]) => ({ registry, record: record as PlannedRecord })),
  };
}
