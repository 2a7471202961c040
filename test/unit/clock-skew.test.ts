import { describe, expect, it } from 'vitest';
import {
  certificateWindow,
  formatMs,
  formatOffset,
  measureSkew,
  parseHttpDate,
  skewVerdict,
} from '../../src/core/clock-skew.js';

const T = Date.UTC(2026, 4, 14, 9, 30, 0); // Thu, 14 May 2026 09:30:00 GMT
const DATE = 'Thu, 14 May 2026 09:30:00 GMT';

describe('parseHttpDate', () => {
  it.each([
    [DATE, T],
    ['Sun, 06 Nov 1994 08:49:37 GMT', Date.UTC(1994, 10, 6, 8, 49, 37)],
  ])('%s', (header, expected) => {
    expect(parseHttpDate(header)).toBe(expected);
  });

  it.each(['', '1', 'Thu, 14 May 2026 09:30:00 +0200', '2026-05-14T09:30:00Z', 'Thu, 14 Foo 2026 09:30:00 GMT'])(
    'refuses %j',
    (header) => {
      expect(() => parseHttpDate(header)).toThrow(expect.objectContaining({ code: 'ERR_BAD_DATE_HEADER' }));
    },
  );
});

describe('measureSkew', () => {
  it.each([
    // sentAt, receivedAt, server Date → offset, uncertainty
    { name: 'in step, instant reply', sentAt: T, receivedAt: T, offsetMs: 0, uncertaintyMs: 1000 },
    { name: 'in step, 200 ms round trip', sentAt: T - 100, receivedAt: T + 100, offsetMs: 0, uncertaintyMs: 1100 },
    { name: 'server 3 h ahead', sentAt: T - 3 * 3600_000, receivedAt: T - 3 * 3600_000 + 40, offsetMs: 3 * 3600_000 - 20, uncertaintyMs: 1020 },
    { name: 'server 45 s behind', sentAt: T + 45_000, receivedAt: T + 45_000, offsetMs: -45_000, uncertaintyMs: 1000 },
    { name: 'clock stepped back mid-request', sentAt: T + 10, receivedAt: T, offsetMs: -10, uncertaintyMs: 1000 },
  ])('$name', ({ sentAt, receivedAt, offsetMs, uncertaintyMs }) => {
    expect(measureSkew({ sentAt, receivedAt, serverDate: DATE })).toEqual({ offsetMs, uncertaintyMs });
  });

  it('refuses an unreadable Date header', () => {
    expect(() => measureSkew({ sentAt: T, receivedAt: T, serverDate: 'yesterday' })).toThrow(/unreadable Date header/);
  });
});

describe('skewVerdict', () => {
  it.each([
    [0, 1000, 60, 'ok'],
    [61_000, 1000, 60, 'ok'], // within the uncertainty of the limit
    [61_001, 1000, 60, 'skewed'],
    [-61_001, 1000, 60, 'skewed'],
    [3 * 3600_000, 5000, 60, 'skewed'],
    [30_000, 1000, 0, 'skewed'],
  ] as const)('offset %d ± %d, max %d s → %s', (offset, uncertainty, max, expected) => {
    expect(skewVerdict(offset, uncertainty, max)).toBe(expected);
  });
});

describe('certificateWindow', () => {
  const cert = { notBefore: new Date(T), notAfter: new Date(T + 90 * 86400_000) };
  it.each([
    [T - 5000, { state: 'not-yet-valid', validInMs: 5000 }],
    [T, { state: 'valid', expiresInMs: 90 * 86400_000 }],
    [T + 90 * 86400_000, { state: 'valid', expiresInMs: 0 }],
    [T + 90 * 86400_000 + 1, { state: 'expired', expiredForMs: 1 }],
  ])('at %d', (now, expected) => {
    expect(certificateWindow(cert, now)).toEqual(expected);
  });
});

describe('formatOffset', () => {
  it.each([
    [0, '0s'],
    [400, '0s'],
    [-45_000, '-45s'],
    [45_000, '+45s'],
    [3 * 3600_000 + 2000, '+3h 0m 2s'],
    [-(61_000), '-1m 1s'],
    [(2 * 86400 + 3600) * 1000, '+2d 1h 0m 0s'],
  ])('%d → %s', (ms, expected) => {
    expect(formatOffset(ms)).toBe(expected);
  });
});

describe('formatMs', () => {
  it.each([
    [0, '0 ms'],
    [850.4, '850 ms'],
    [1234, '1.2 s'],
    [59_940, '59.9 s'],
    [125_000, '2m 5s'],
  ])('%d → %s', (ms, expected) => {
    expect(formatMs(ms)).toBe(expected);
  });
});
