import { describe, expect, it } from 'vitest';
import { runSteps } from '../../src/verify/runner.js';
import type { Step } from '../../src/verify/types.js';
import { hubRepository, hasDigest } from '../../src/verify/image-ref.js';
import { uniqueTag } from '../../src/runtimes/docker/verify/push-roundtrip.js';

/** A clock that advances by the step's own declared cost, so timings are exact. */
function fakeClock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('runSteps', () => {
  it('times each step, skips the dependants of a failed step, and diagnoses the failure', async () => {
    const clock = fakeClock();
    const ran: string[] = [];
    const step = (name: string, ms: number, outcome: () => unknown, needs?: string[]): Step<null> => ({
      name,
      ...(needs ? { needs } : {}),
      run: async () => {
        ran.push(name);
        clock.advance(ms);
        return outcome() as never;
      },
    });
    const reports = await runSteps(
      [
        step('reachability', 5, () => ({ detail: 'up' })),
        step('tls', 20, () => {
          throw new Error('x509: certificate signed by unknown authority');
        }, ['reachability']),
        step('clock', 7, () => ({}), ['tls']),
        step('mirror-pull', 3, () => ({ skipped: 'the daemon has no registry-mirrors' })),
      ],
      null,
      { clock, registry: 'r.example:5000' },
    );
    expect(ran).toEqual(['reachability', 'tls', 'mirror-pull']);
    expect(reports).toMatchObject([
      { name: 'reachability', ok: true, ms: 5, detail: 'up' },
      { name: 'tls', ok: false, ms: 20, diagnosis: 'tls-unknown-authority', seen: 'x509: certificate signed by unknown authority' },
      { name: 'clock', ok: true, skipped: true, ms: 0, detail: 'skipped: tls failed' },
      { name: 'mirror-pull', ok: true, skipped: true, ms: 3 },
    ]);
    expect(reports[1]!.fix).toContain('/etc/docker/certs.d/r.example:5000/ca.crt');
  });

  it('redacts what it saw, and still gives a cause and a fix for an unknown failure', async () => {
    const [report] = await runSteps(
      [{ name: 'odd', run: async () => Promise.reject(new Error('GET https://bob:hunter22@r.example/v2/ went sideways')) }],
      null,
      { clock: fakeClock(), registry: 'r.example' },
    );
    expect(report!.seen).not.toContain('hunter22');
    expect(report!.cause).toMatch(/odd step failed/);
    expect(report!.fix).toMatch(/regsetup doctor/);
  });
});

describe('hubRepository', () => {
  it.each([
    ['hello-world', { path: 'library/hello-world', tag: 'latest', short: 'hello-world:latest' }],
    ['library/alpine:3.20', { path: 'library/alpine', tag: '3.20', short: 'alpine:3.20' }],
    ['docker.io/bitnami/redis:7', { path: 'bitnami/redis', tag: '7', short: 'bitnami/redis:7' }],
  ])('%s', (ref, expected) => expect(hubRepository(ref)).toEqual(expected));

  it('matches digests exactly', () => {
    expect(hasDigest(['hello-world@sha256:abc'], 'sha256:abc')).toBe(true);
    expect(hasDigest(['hello-world@sha256:abcd'], 'sha256:abc')).toBe(false);
  });
});

describe('uniqueTag', () => {
  it('is a valid tag that orders by time and differs between runs', () => {
    const a = uniqueTag(Date.UTC(2026, 10, 23, 9, 0, 0));
    expect(a).toMatch(/^verify-20261123090000-[0-9a-f]{6}$/);
    expect(uniqueTag(0)).not.toBe(uniqueTag(0));
  });
});
