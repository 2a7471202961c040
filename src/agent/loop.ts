import type { Clock } from '../host/clock.js';

// When the agent converges: at start, every period (a full check, network included), when a
// watched file changed (a quick re-plan), on SIGHUP, and when a backoff ends. One run at a time:
// what arrives meanwhile is merged into the next run (a full run covers a quick one). No polling:
// between runs nothing is scheduled but the period and a retry.

export type RunKind = 'full' | 'quick';
export type Trigger = 'start' | 'period' | 'watch' | 'signal' | 'retry';

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: Timers = {
  set: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // A pending period alone must not keep a stopping process alive.
    t.unref?.();
    return t;
  },
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface RunRequest {
  kind: RunKind;
  trigger: Trigger;
  /** The files a watch event named. */
  paths: readonly string[];
}

export interface LoopPorts {
  clock: Clock;
  timers: Timers;
  /** Converge; resolves with when a backoff ends (a retry is due), if one does. */
  run(request: RunRequest): Promise<{ retryAt?: number }>;
  intervalMs(): number;
}

export class AgentLoop {
  private pending: RunRequest | undefined;
  private running: Promise<void> | undefined;
  private periodTimer: unknown;
  private retryTimer: unknown;
  private stopped = false;

  constructor(private readonly ports: LoopPorts) {}

  /** The first (full) convergence; the period starts once it is done. */
  start(): Promise<void> {
    this.trigger({ kind: 'full', trigger: 'start', paths: [] });
    return this.idle();
  }

  trigger(request: RunRequest): void {
    if (this.stopped) return;
    const p = this.pending;
    this.pending = p === undefined ? request : { kind: p.kind === 'full' || request.kind === 'full' ? 'full' : 'quick', trigger: request.kind === 'full' ? request.trigger : p.trigger, paths: [...new Set([...p.paths, ...request.paths])] };
    this.running ??= this.drain();
  }

  /** Resolves when no run is in flight and none is pending. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** No new run; the one in flight (and its apply, which finishes or rolls back) is awaited. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending = undefined;
    this.ports.timers.clear(this.periodTimer);
    this.ports.timers.clear(this.retryTimer);
    await this.idle();
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending && !this.stopped) {
        const request = this.pending;
        this.pending = undefined;
        const { retryAt } = await this.ports.run(request).catch(() => ({ retryAt: undefined }));
        if (this.stopped) break;
        if (request.kind === 'full') this.schedulePeriod();
        this.scheduleRetry(retryAt);
      }
    } finally {
      this.running = undefined;
    }
  }

  private schedulePeriod(): void {
    this.ports.timers.clear(this.periodTimer);
    this.periodTimer = this.ports.timers.set(() => this.trigger({ kind: 'full', trigger: 'period', paths: [] }), this.ports.intervalMs());
  }

  private scheduleRetry(at: number | undefined): void {
    this.ports.timers.clear(this.retryTimer);
    this.retryTimer = undefined;
    if (at === undefined) return;
    this.retryTimer = this.ports.timers.set(() => this.trigger({ kind: 'quick', trigger: 'retry', paths: [] }), Math.max(0, at - this.ports.clock.now()));
  }
}
