// The one source of time. The planner and the clock-skew checks take a Clock so tests
// can pin "now"; polling loops take a Sleep so tests do not wait for real.

export interface Clock {
  /** Milliseconds since the epoch, like Date.now(). */
  now(): number;
}

export type Sleep = (ms: number) => Promise<void>;

export const systemClock: Clock = { now: () => Date.now() };

export const sleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
