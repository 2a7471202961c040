import { describe, expect, it } from 'vitest';
import { desiredFromFlags, parseDesiredState } from '../../src/core/desired-state.js';
import type { RegsetupError } from '../../src/core/errors.js';

const pin = `sha256:${'ab'.repeat(32)}`;

function failure(fn: () => unknown): RegsetupError {
  try {
    fn();
  } catch (error) {
    return error as RegsetupError;
  }
  throw new Error('expected a failure');
}

describe('desiredFromFlags', () => {
  it('fills the defaults and normalises what the user typed', () => {
    expect(desiredFromFlags('Nexus.Example.com:8443', { caFingerprint: 'AB:'.repeat(31) + 'AB', maxClockSkew: '10' })).toEqual({
      registry: 'nexus.example.com:8443',
      mirrors: ['auto'],
      mirrorFor: [],
      insecure: false,
      ca: { fingerprints: [pin], trustOnFirstUse: false },
      maxClockSkewSeconds: 10,
      restart: 'auto',
      verify: true,
      runtimes: ['auto'],
      kubeletCredentialProvider: false,
      migrateContainerdMirrors: false,
      k3sStoreAuthPlaintext: false,
    });
  });

  it('takes several pins, mirrors of other upstreams and named runtimes', () => {
    const d = desiredFromFlags('nexus.example.com', {
      caFingerprint: [pin, `sha256:${'cd'.repeat(32)}`],
      mirrorFor: ['ghcr.io=https://nexus.example.com:8083/', 'Quay.io = https://nexus.example.com:8084'],
      runtime: ['docker', 'containerd'],
    });
    expect(d.ca.fingerprints).toEqual([pin, `sha256:${'cd'.repeat(32)}`]);
    expect(d.mirrorFor).toEqual([
      { upstream: 'ghcr.io', url: 'https://nexus.example.com:8083' },
      { upstream: 'quay.io', url: 'https://nexus.example.com:8084' },
    ]);
    expect(d.runtimes).toEqual(['docker', 'containerd']);
  });

  it('normalises mirror URLs and keeps the keywords', () => {
    expect(desiredFromFlags('nexus.example.com', { mirror: ['https://M.example.com/', 'auto'] }).mirrors).toEqual(['https://m.example.com', 'auto']);
  });

  it.each([
    [{ mirror: ['ftp://x.example.com'] }, '--mirror', 'ERR_BAD_MIRROR'],
    [{ mirror: ['none', 'auto'] }, '--mirror', 'ERR_BAD_INPUT'],
    [{ maxClockSkew: 'ten' }, '--max-clock-skew', 'ERR_BAD_INPUT'],
    [{ restart: 'bounce' }, '--restart', 'ERR_BAD_INPUT'],
    [{ caFile: 'a.crt', caUrl: 'https://x/ca.crt' }, '--ca-url', 'ERR_BAD_INPUT'],
    [{ caFingerprint: 'ab'.repeat(20) }, '--ca-fingerprint', 'ERR_BAD_FINGERPRINT'],
    [{ pushRegistry: 'https://push.example.com' }, '--push-registry', 'ERR_BAD_REGISTRY'],
    [{ mirrorFor: ['ghcr.io'] }, '--mirror-for', 'ERR_BAD_MIRROR'],
    [{ mirrorFor: ['docker.io=https://m.example.com'] }, '--mirror-for', 'ERR_BAD_INPUT'],
    [{ runtime: ['dockerd'] }, '--runtime', 'ERR_BAD_INPUT'],
    [{ runtime: ['auto', 'docker'] }, '--runtime', 'ERR_BAD_INPUT'],
  ])('refuses %j naming %s', (flags, flag, code) => {
    const error = failure(() => desiredFromFlags('nexus.example.com', flags));
    expect(error.message).toContain(`${flag}:`);
    expect(error.code).toBe(code);
    expect(error.exitCode).toBe(2);
  });

  it('keeps the registry parser code and hint for a bad name', () => {
    const error = failure(() => desiredFromFlags('nexus.example.com/../x', {}));
    expect(error.code).toBe('ERR_BAD_REGISTRY');
    expect(error.message).toMatch(/^<registry>: /);
    expect(error.hint).toContain('repository path');
  });
});

describe('parseDesiredState', () => {
  it('names the field path of a profile entry', () => {
    const error = failure(() => parseDesiredState({ registry: 'nexus.example.com', insecure: 'yes' }, 'registries[0]'));
    expect(error.message).toBe('registries[0].insecure: expected true or false');
  });

  it('refuses unknown keys, so a typo is not silently ignored', () => {
    expect(failure(() => parseDesiredState({ registry: 'nexus.example.com', mirror: ['auto'] })).message).toContain('mirror');
  });
});
