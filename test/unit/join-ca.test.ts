import { createHash, X509Certificate } from 'node:crypto';
import { fs as memfs, vol } from 'memfs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { desiredFromFlags } from '../../src/core/desired-state.js';
import { nodeFiles } from '../../src/host/files.js';
import { closeHttpAgents } from '../../src/host/http.js';
import { resolveCa } from '../../src/join/ca.js';
import { FakeRegistry, makeTestPki, type TestPki } from '../fakes/fake-registry.js';

// A real TLS server on loopback with a CA made for the test: the CA decision is checked against
// the handshake it will be used for, not against strings.
describe('resolveCa', () => {
  let pki: TestPki;
  let registry: FakeRegistry;
  let ref: { host: string; port: number; hostPort: string };
  const fingerprint = () => `sha256:${createHash('sha256').update(new X509Certificate(pki.ca).raw).digest('hex')}`;
  const ports = (confirm?: (q: string) => Promise<boolean>) => ({
    files: nodeFiles(memfs as never),
    now: () => Date.now(),
    systemPems: [],
    note: () => undefined,
    ...(confirm ? { confirm } : {}),
  });
  const desired = (flags: Record<string, unknown>) => desiredFromFlags(ref.hostPort, { caFile: '/ca.crt', ...flags });

  beforeAll(async () => {
    pki = makeTestPki(['good', 'wrongName']);
    registry = await FakeRegistry.start({ tls: pki.leaves.good });
    const port = Number(new URL(registry.url).port);
    ref = { host: '127.0.0.1', port, hostPort: `127.0.0.1:${port}` };
  });
  afterAll(async () => {
    await registry.close();
    await closeHttpAgents();
  });
  beforeEach(() => {
    vol.reset();
    vol.fromJSON({ '/ca.crt': pki.ca, '/leaf.crt': pki.leaves.good.cert, '/other-ca.crt': makeTestPki([]).ca });
  });

  it('accepts a pinned CA that signs the registry certificate', async () => {
    const decision = await resolveCa(desired({ caFingerprint: fingerprint() }), ref, ports());
    expect(decision).toMatchObject({ source: 'file', info: { fingerprint256: fingerprint(), isCA: true } });
  });

  it.each([
    ['a pin mismatch', { caFingerprint: `sha256:${'0'.repeat(64)}` }, 'ERR_CA_PIN_MISMATCH'],
    ['an unpinned CA with nobody to ask', {}, 'ERR_CA_UNPINNED'],
    ['a server certificate given as the CA', { caFile: '/leaf.crt', trustOnFirstUse: true }, 'ERR_CA_INVALID'],
    ['a CA that did not sign the registry certificate', { caFile: '/other-ca.crt', trustOnFirstUse: true }, 'ERR_CA_MISMATCH'],
    ['a missing CA file', { caFile: '/nope.crt' }, 'ERR_CA_FILE'],
  ])('refuses %s', async (_what, flags, code) => {
    await expect(resolveCa(desired(flags), ref, ports())).rejects.toMatchObject({ code });
  });

  it('asks about an unpinned CA, showing its fingerprint, and honours the answer', async () => {
    const asked: string[] = [];
    const yes = await resolveCa(desired({}), ref, ports(async (q) => (asked.push(q), true)));
    expect(yes.pem).toBeDefined();
    expect(asked[0]).toMatch(/SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    await expect(resolveCa(desired({}), ref, ports(async () => false))).rejects.toMatchObject({ code: 'ERR_CA_DECLINED' });
  });

  it('accepts trust on first use without asking', async () => {
    expect((await resolveCa(desired({ trustOnFirstUse: true }), ref, ports())).source).toBe('file');
  });
});
