import { detectSessions, sessionsForEntry } from '../runtimes/registry.js';
import type { DriftItem } from '../runtimes/types.js';
import { readJournal, type ConvergeHost } from './converge.js';

export interface RuntimeDrift {
  runtime: string;
  kind: string;
  label: string;
  running: boolean;
  drift: DriftItem[];
}

export interface RegistryStatus {
  registry: string;
  pushRegistry?: string;
  joinedAt: string;
  runtimes: RuntimeDrift[];
  warnings: string[];
  drifted: boolean;
}

export interface StatusReport {
  registries: RegistryStatus[];
  drifted: boolean;
}

/**
 * What regsetup manages here and how the host moved away from it: for every registry on record,
 * every runtime's files against the journal. Needs no daemon (a stopped runtime's files are read).
 */
export async function statusReport(host: ConvergeHost): Promise<StatusReport> {
  const journal = await readJournal(host);
  const entries = Object.values(journal.registries).sort((a, b) => a.registry.localeCompare(b.registry));
  const kinds = [...new Set(entries.flatMap((e) => Object.values(e.runtimes).map((r) => r.kind)))];
  const detected = kinds.length === 0 ? [] : await detectSessions(host.ports, kinds);
  const now = host.ports.clock.now();
  const registries: RegistryStatus[] = [];
  for (const entry of entries) {
    const { sessions, warnings } = await sessionsForEntry(host.ports, detected, entry);
    const runtimes: RuntimeDrift[] = [];
    for (const s of sessions) {
      const snap = await s.snapshot([entry.registry, ...(entry.pushRegistry ? [entry.pushRegistry] : [])], journal);
      runtimes.push({ runtime: s.id, kind: s.kind, label: s.label, running: s.running, drift: s.drift(snap, entry.runtimes[s.id]!, { journal, entry, now }) });
    }
    registries.push({
      registry: entry.registry,
      ...(entry.pushRegistry === undefined ? {} : { pushRegistry: entry.pushRegistry }),
      joinedAt: entry.joinedAt,
      runtimes,
      warnings,
      drifted: runtimes.some((r) => r.drift.length > 0),
    });
  }
  return { registries, drifted: registries.some((r) => r.drifted) };
}
