import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/errors.js';
import { fingerprintsEqual, formatFingerprint, normalizeFingerprint } from '../../src/core/fingerprint.js';

const HEX = '3f8a1c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d5fe1';
const COLONS = HEX.toUpperCase().match(/../g)!.join(':');

describe('normalizeFingerprint', () => {
  it.each([
    [`sha256:${HEX}`],
    [`SHA256:${HEX.toUpperCase()}`],
    [`sha256 Fingerprint=${COLONS}`],
    [`SHA256 Fingerprint=${COLONS}\n`],
    [`sha256:${COLONS}`],
    [HEX],
    [HEX.toUpperCase()],
    [COLONS],
    [COLONS.toLowerCase()],
  ])('%s', (pin) => {
    expect(normalizeFingerprint(pin)).toBe(`sha256:${HEX}`);
  });

  it.each([
    ['', /64 hex digits, got 0/],
    ['sha256:abc', /64 hex digits, got 3/],
    [`sha1:${HEX}`, /hex digits/],
    [HEX.slice(0, 40), /SHA-1/],
    [`SHA1 Fingerprint=${COLONS.slice(0, 59)}`, /hex digits/],
    [`${HEX}00`, /got 66/],
    [`${HEX.slice(0, 63)}g`, /hex digits/],
    ['sha256//YhKJKSzoTt2b5FP18fvpHo7fJYqQCjAa3HWY3tvRMwE=', /public-key pin/],
    [COLONS.replace(/:/g, ' '), /hex digits/],
    [`${HEX.slice(0, 3)}:${HEX.slice(3)}`, /hex digits/],
  ])('refuses %j', (pin, message) => {
    expect(() => normalizeFingerprint(pin)).toThrow(message);
    expect(() => normalizeFingerprint(pin)).toThrow(expect.objectContaining({ code: 'ERR_BAD_FINGERPRINT', exitCode: ExitCode.usage }));
  });
});

describe('fingerprintsEqual', () => {
  it.each([
    [`sha256:${HEX}`, `SHA256 Fingerprint=${COLONS}`, true],
    [HEX, COLONS, true],
    [HEX, `${HEX.slice(0, 63)}0`, false],
  ])('%s vs %s', (a, b, expected) => {
    expect(fingerprintsEqual(a, b)).toBe(expected);
  });

  it('throws on an invalid side instead of answering false', () => {
    expect(() => fingerprintsEqual(HEX, 'nope')).toThrow(/not a SHA-256 fingerprint/);
  });
});

describe('formatFingerprint', () => {
  it.each([[HEX], [`sha256:${HEX}`], [COLONS.toLowerCase()]])('%s', (input) => {
    expect(formatFingerprint(input)).toBe(COLONS);
  });
});
