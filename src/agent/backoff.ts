// After a failed repair the agent waits before trying again — doubling, capped — so a host that
// keeps refusing is never hammered in a tight loop. A success resets it.

export interface BackoffSettings {
  initial: number;
  max: number;
}

export class Backoff {
  private failures = 0;
  private until = 0;

  constructor(private readonly settings: BackoffSettings) {}

  /** Record a failure at `now`; returns when the next attempt may run. */
  fail(now: number): number {
    const delay = Math.min(this.settings.max, this.settings.initial * 2 ** this.failures);
    this.failures++;
    this.until = now + delay;
    return this.until;
  }

  succeed(): void {
    this.failures = 0;
    this.until = 0;
  }

  /** undefined when an attempt may run now. */
  waitUntil(now: number): number | undefined {
    return now < this.until ? this.until : undefined;
  }

  get attempts(): number {
    return this.failures;
  }
}

/** The same drift repaired again and again (something else keeps undoing it): 3 times in 10 minutes by default. */
export class FlapDetector {
  private readonly seen = new Map<string, number[]>();

  constructor(private readonly threshold = 3, private readonly windowMs = 600_000) {}

  /** Record a repair of `key`; returns how often it was repaired within the window. */
  record(key: string, now: number): number {
    const times = [...(this.seen.get(key) ?? []).filter((t) => now - t < this.windowMs), now];
    this.seen.set(key, times);
    return times.length;
  }

  /** The keys repaired `threshold` times or more within the window ending at `now`. */
  flapping(now: number, prefix = ''): Array<{ key: string; count: number }> {
    const out: Array<{ key: string; count: number }> = [];
    for (const [key, times] of this.seen) {
      const recent = times.filter((t) => now - t < this.windowMs);
      if (recent.length === 0) this.seen.delete(key);
      else if (key.startsWith(prefix) && recent.length >= this.threshold) out.push({ key, count: recent.length });
    }
    return out;
  }
}
