import { describe, expect, it } from 'vitest';
import { AgentLoop, type RunRequest } from '../../src/agent/loop.js';
import { manualTimers } from './helpers/agent-fixtures.js';

function loop(o: { retryAt?: (now: number) => number | undefined } = {}) {
  const clock = { t: 0 };
  const timers = manualTimers(clock);
  const runs: RunRequest[] = [];
  let release: (() => void) | undefined;
  let hold = false;
  const l = new AgentLoop({
    clock: { now: () => clock.t },
    timers,
    intervalMs: () => 300_000,
    run: async (r) => {
      runs.push(r);
      if (hold) await new Promise<void>((resolve) => (release = resolve));
      const at = o.retryAt?.(clock.t);
      return at === undefined ? {} : { retryAt: at };
    },
  });
  return { l, timers, runs, clock, holdNext: () => (hold = true), release: () => { hold = false; release?.(); } };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('the agent loop', () => {
  it('converges at start, then every period; nothing else is scheduled (no polling)', async () => {
    const t = loop();
    await t.l.start();
    expect(t.runs.map((r) => r.trigger)).toEqual(['start']);
    expect(t.timers.pending()).toEqual([300_000]);
    t.timers.advance(300_000);
    await t.l.idle();
    expect(t.runs.map((r) => `${r.kind}:${r.trigger}`)).toEqual(['full:start', 'full:period']);
    expect(t.timers.pending()).toEqual([300_000]);
  });

  it('one run at a time: events during a run merge into one next run (a full one covers quick ones)', async () => {
    const t = loop();
    t.holdNext();
    const started = t.l.start();
    await tick();
    t.l.trigger({ kind: 'quick', trigger: 'watch', paths: ['/a'] });
    t.l.trigger({ kind: 'quick', trigger: 'watch', paths: ['/b'] });
    t.release();
    await started;
    expect(t.runs.map((r) => [r.kind, r.paths])).toEqual([['full', []], ['quick', ['/a', '/b']]]);
    t.holdNext();
    t.l.trigger({ kind: 'quick', trigger: 'watch', paths: ['/c'] });
    await tick();
    t.l.trigger({ kind: 'quick', trigger: 'watch', paths: ['/d'] });
    t.l.trigger({ kind: 'full', trigger: 'signal', paths: [] });
    t.release();
    await t.l.idle();
    expect(t.runs.slice(2).map((r) => `${r.kind}:${r.trigger}`)).toEqual(['quick:watch', 'full:signal']);
  });

  it('a backoff schedules one retry at its end', async () => {
    let failing = true;
    const t = loop({ retryAt: (now) => (failing ? now + 5_000 : undefined) });
    await t.l.start();
    expect(t.timers.pending()).toEqual([5_000, 300_000]);
    failing = false;
    t.timers.advance(5_000);
    await t.l.idle();
    expect(t.runs.map((r) => r.trigger)).toEqual(['start', 'retry']);
    expect(t.timers.pending()).toEqual([295_000]);
  });

  it('stop waits for the run in flight and starts no other', async () => {
    const t = loop();
    t.holdNext();
    void t.l.start();
    await tick();
    t.l.trigger({ kind: 'quick', trigger: 'watch', paths: ['/a'] });
    let stopped = false;
    const stopping = t.l.stop().then(() => (stopped = true));
    await tick();
    expect(stopped).toBe(false);
    t.release();
    await stopping;
    expect(t.runs).toHaveLength(1);
    expect(t.timers.pending()).toEqual([]);
  });
});
