import { createHash, X509Certificate } from 'node:crypto';
import { fs as memfs, vol } from 'memfs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { desiredFromFlags } from '../../src/core/desired-state.js';
import { nodeFiles } from '../../src/host/files.js';
import { closeHttpAgents } from '../../src/host/http.js';
import { resolveCa } from '../../src/preflight/ca.js';
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
  const fromUrl = (flags: Record<string, unknown>) => desiredFromFlags(ref.hostPort, { caUrl: `${registry.url}/ca.crt`, ...flags });
  const spki = () => `sha256:${createHash('sha256').update(new X509Certificate(pki.ca).publicKey.export({ type: 'spki', format: 'der' })).digest('hex')}`;

  beforeAll(async () => {
    pki = makeTestPki(['good', 'wrongName']);
    registry = await FakeRegistry.start({ tls: pki.leaves.good, files: { '/ca.crt': pki.ca } });
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
    expect(decision).toMatchObject({ source: 'file', info: { fingerprint256: fingerprint(), isCA: true }, matched: { form: 'certificate' } });
  });

  it("accepts kubeadm's form of a pin: the SHA-256 of the CA's public key (SPKI), and says so", async () => {
    const notes: string[] = [];
    const decision = await resolveCa(fromUrl({ caFingerprint: spki() }), ref, { ...ports(), note: (l: string) => void notes.push(l) });
    expect(decision).toMatchObject({ source: 'url', matched: { pin: spki(), form: 'public key (SPKI)' } });
    expect(notes.join('\n')).toContain('matches the public key (SPKI) pin');
  });

  it('takes several pins (a CA rotation): any match accepts', async () => {
    const other = `sha256:${'1'.repeat(64)}`;
    expect((await resolveCa(fromUrl({ caFingerprint: [other, fingerprint()] }), ref, ports())).matched?.pin).toBe(fingerprint());
    await expect(resolveCa(fromUrl({ caFingerprint: [other, `sha256:${'2'.repeat(64)}`] }), ref, ports())).rejects.toMatchObject({ code: 'ERR_CA_PIN_MISMATCH' });
  });

  it("trusts a --ca-file without a pin: the operator's explicit choice, as curl --cacert", async () => {
    expect(await resolveCa(desired({}), ref, ports())).toMatchObject({ source: 'file', pems: [pki.ca] });
  });

  it.each([
    ['a pin mismatch', { caFingerprint: `sha256:${'0'.repeat(64)}` }, 'ERR_CA_PIN_MISMATCH'],
    ['an unpinned CA from a URL with nobody to ask', { caFile: undefined, caUrl: 'URL' }, 'ERR_CA_UNPINNED'],
    ['a server certificate given as the CA', { caFile: '/leaf.crt', trustOnFirstUse: true }, 'ERR_CA_INVALID'],
    ['a CA that did not sign the registry certificate', { caFile: '/other-ca.crt', trustOnFirstUse: true }, 'ERR_CA_MISMATCH'],
    ['a missing CA file', { caFile: '/nope.crt' }, 'ERR_CA_FILE'],
  ])('refuses %s', async (_what, flags, code) => {
    const given = 'caUrl' in flags ? fromUrl({}) : desired(flags);
    await expect(resolveCa(given, ref, ports())).rejects.toMatchObject({ code });
  });

  it('asks about an unpinned CA, showing its fingerprint, and honours the answer', async () => {
    const asked: string[] = [];
    const yes = await resolveCa(fromUrl({}), ref, ports(async (q) => (asked.push(q), true)));
    expect(yes.pems).toHaveLength(1);
    expect(asked[0]).toMatch(/SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    await expect(resolveCa(fromUrl({}), ref, ports(async () => false))).rejects.toMatchObject({ code: 'ERR_CA_DECLINED' });
  });

  it('shows the CA fetch and the handshake check while they run, and nothing while it asks', async () => {
    const events: string[] = [];
    const progress = (label: string) => {
      events.push(`> ${label}`);
      return { update: () => undefined, done: () => void events.push(`< ${label}`) };
    };
    const confirm = async (q: string) => (events.push(`? ${q.slice(0, 13)}`), true);
    await resolveCa(fromUrl({}), ref, { ...ports(confirm), progress });
    expect(events).toEqual([
      `> fetching the CA from ${registry.url}/ca.crt`,
      `< fetching the CA from ${registry.url}/ca.crt`,
      `> checking that the CA signs the certificate of ${ref.hostPort}`,
      `< checking that the CA signs the certificate of ${ref.hostPort}`,
      '? Trust this CA',
    ]);
    // The handshake's span ends even when what it learnt is refused (this server sends no CA).
    events.length = 0;
    await expect(resolveCa(desiredFromFlags(ref.hostPort, { trustOnFirstUse: true }), ref, { ...ports(), progress })).rejects.toMatchObject({ code: 'ERR_CA_UNKNOWN' });
    expect(events).toEqual([`> reading the CA from the TLS handshake of ${ref.hostPort}`, `< reading the CA from the TLS handshake of ${ref.hostPort}`]);
  });

  it('accepts trust on first use without asking', async () => {
    expect((await resolveCa(fromUrl({ trustOnFirstUse: true }), ref, ports())).source).toBe('url');
  });
});
