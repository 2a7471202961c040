// What the agent found and has not seen resolved yet. /healthz answers 503 while an error finding
// is open; `agent status` lists them. Each belongs to a source, so a run clears only what it re-checks:
// a quick run (a file changed) re-plans, a full run also redoes the network checks.

export type Severity = 'error' | 'warning';
/** network: clock, CA, reachability (full runs); plan: drift, refusals, repairs (every run); loop: flapping; config: the file. */
export type FindingSource = 'network' | 'plan' | 'loop' | 'config';

export interface Finding {
  severity: Severity;
  source: FindingSource;
  /** A stable code: ERR_DAEMON_JSON_MALFORMED, CLOCK_SKEW, CA_EXPIRING, DRIFT, FLAPPING, … */
  code: string;
  message: string;
  registry?: string;
  hint?: string;
  /** When it was first seen (ISO), kept while it stays open. */
  since: string;
}

export type NewFinding = Omit<Finding, 'since'>;

const keyOf = (f: Pick<Finding, 'registry' | 'code'>) => `${f.registry ?? ''}\u0000${f.code}`;

export class Findings {
  private readonly open = new Map<string, Finding>();

  /** Replace the findings of these sources (for one registry, or the agent's own) with what a check found now. */
  replace(scope: { registry?: string; sources: readonly FindingSource[] }, found: readonly NewFinding[], now: number): void {
    const next = new Map(found.map((f) => [keyOf(f), f]));
    for (const [key, f] of this.open) {
      if (f.registry !== scope.registry || !scope.sources.includes(f.source)) continue;
      if (!next.has(key)) this.open.delete(key);
    }
    for (const [key, f] of next) {
      const was = this.open.get(key);
      this.open.set(key, { ...f, since: was?.since ?? new Date(now).toISOString() });
    }
  }

  /** A registry no longer in the desired-state file leaves no finding behind. */
  forgetRegistriesBut(registries: readonly string[]): void {
    for (const [key, f] of this.open) if (f.registry !== undefined && !registries.includes(f.registry)) this.open.delete(key);
  }

  list(): Finding[] {
    return [...this.open.values()].sort((a, b) => (a.severity === b.severity ? a.code.localeCompare(b.code) : a.severity === 'error' ? -1 : 1));
  }

  get errors(): Finding[] {
    return this.list().filter((f) => f.severity === 'error');
  }
}
