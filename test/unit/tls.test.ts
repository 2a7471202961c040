import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { rootCertificates } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { certInfo, certsDirCas, inspectCaPem, loadPemFile, pickCaFromChain, probeTls, systemCaPems } from '../../src/host/tls.js';
import { makeTestPki, type TestPki } from '../fakes/fake-registry.js';

let pki: TestPki;
const servers: Server[] = [];
const ports: Record<string, number> = {};
const DAY = 86_400_000;

beforeAll(async () => {
  pki = makeTestPki();
  const all: Array<[string, Server]> = [
    ...Object.entries(pki.leaves).map(([name, leaf]): [string, Server] => [name, createHttpsServer(leaf, (_req, res) => res.end())]),
    ['plainHttp', createHttpServer((_req, res) => res.end())],
  ];
  for (const [name, server] of all) {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ports[name] = (server.address() as AddressInfo).port;
  }
});
afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

describe('loadPemFile', () => {
  it('splits a bundle and ignores text around the blocks', () => {
    expect(loadPemFile(`# bundle\n${pki.ca}junk\n${pki.intermediate}`)).toHaveLength(2);
    expect(loadPemFile('nothing here')).toEqual([]);
  });

  it('takes the innermost BEGIN of a block, and gets through 50,000 BEGINs without an END in one pass', () => {
    expect(loadPemFile(`-----BEGIN CERTIFICATE-----\n${pki.ca}`)).toEqual([pki.ca]);
    expect(loadPemFile(`${'-----BEGIN CERTIFICATE-----\n'.repeat(50_000)}${pki.ca}`)).toEqual([pki.ca]);
    expect(loadPemFile('-----BEGIN CERTIFICATE-----\n'.repeat(50_000))).toEqual([]);
  });
});

describe('inspectCaPem', () => {
  const cases: Array<[string, () => string, number, boolean, string[]]> = [
    ['a valid CA', () => pki.ca, 0, true, []],
    ['a server certificate', () => pki.leaves.good.cert, 0, false, ['not a CA certificate']],
    ['an expired CA', () => pki.ca, 10 * DAY, false, ['expired on']],
    ['a CA from the future (clock behind)', () => pki.ca, -2 * DAY, false, ['not valid before']],
    ['not PEM at all', () => 'hello', 0, false, ['not a PEM certificate']],
    ['a broken PEM', () => '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', 0, false, ['not a valid X.509']],
  ];
  it.each(cases)('%s', (_name, pem, offset, ok, problems) => {
    const result = inspectCaPem(pem(), Date.now() + offset);
    expect(result.ok).toBe(ok);
    expect(result.problems).toHaveLength(problems.length);
    problems.forEach((p, i) => expect(result.problems[i]).toContain(p));
  });

  it('reports the fingerprint as sha256: + lowercase hex', () => {
    const info = inspectCaPem(pki.ca, Date.now()).info!;
    expect(info.fingerprint256).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(info).toMatchObject({ isCA: true, selfSigned: true, subject: 'CN=regsetup test CA' });
  });
});

/** A temp dir that is gone again when the test ends. */
function scratch(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('certsDirCas', () => {
  it("follows Docker's rules and reports what Docker would trip on", async () => {
    const root = scratch('regsetup-certsd-');
    const dir = join(root, 'registry.example:5000');
    mkdirSync(dir);
    const files: Record<string, string | Buffer> = {
      'ca.crt': pki.ca,
      'der.crt': Buffer.from([0x30, 0x82, 0x01]),
      'client.cert': pki.leaves.good.cert,
      'client.key': pki.leaves.good.key,
      'orphan.cert': pki.leaves.good.cert,
      'lonely.key': pki.leaves.good.key,
      'ca.pem': pki.ca,
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const result = await certsDirCas(root, 'registry.example:5000');
    expect(result.caFiles).toEqual([join(dir, 'ca.crt'), join(dir, 'der.crt')]);
    expect(result.caPems).toEqual([pki.ca]);
    expect(result.clientPairs).toEqual([{ cert: pki.leaves.good.cert, key: pki.leaves.good.key, certFile: join(dir, 'client.cert'), keyFile: join(dir, 'client.key') }]);
    expect(result.problems.map((p) => p.slice(dir.length + 1, dir.length + 12))).toEqual(['ca.pem: ign', 'der.crt: no', 'lonely.key:', 'orphan.cert']);
    expect(await certsDirCas(root, 'absent.example')).toEqual({ caFiles: [], caPems: [], clientPairs: [], problems: [] });
    await expect(certsDirCas(root, '../etc')).rejects.toMatchObject({ code: 'ERR_BAD_REGISTRY' });
  });

  it('a .crt that is not a regular file is a problem to show, never a hang', async () => {
    const root = scratch('regsetup-certsd-fifo-');
    const dir = join(root, 'registry.example');
    mkdirSync(dir);
    execFileSync('mkfifo', [join(dir, 'ca.crt')]);
    const result = await certsDirCas(root, 'registry.example');
    expect(result.caPems).toEqual([]);
    expect(result.problems).toEqual([expect.stringMatching(/ca\.crt: .* is a FIFO \(named pipe\), not a regular file/)]);
  });
});

describe('systemCaPems', () => {
  it("reads Go's first bundle plus the cert directories, deduplicated; SSL_CERT_FILE wins", async () => {
    const root = scratch('regsetup-roots-');
    mkdirSync(join(root, 'etc/ssl/certs'), { recursive: true });
    writeFileSync(join(root, 'etc/ssl/certs/ca-certificates.crt'), pki.ca);
    writeFileSync(join(root, 'etc/ssl/certs/dropped-in.pem'), pki.intermediate);
    writeFileSync(join(root, 'other.pem'), pki.intermediate);
    expect(await systemCaPems({ root, env: {} })).toEqual([pki.ca, pki.intermediate]);
    expect(await systemCaPems({ root, env: { SSL_CERT_FILE: '/other.pem', SSL_CERT_DIR: '/nowhere' } })).toEqual([pki.intermediate]);
  });

  it("falls back to Node's bundled roots", async () => {
    const root = scratch('regsetup-noroots-');
    expect(await systemCaPems({ root, env: {} })).toHaveLength(rootCertificates.length);
  });
});

describe('probeTls', () => {
  const cases: Array<[string, boolean, string | undefined, number, string | undefined]> = [
    // server, trust our CA?, authorizationError, chain length, servername
    ['good', true, undefined, 2, undefined],
    ['good', false, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 1, undefined],
    ['viaIntermediate', true, undefined, 3, undefined],
    ['viaIntermediate', false, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 2, undefined],
    ['expired', true, 'CERT_HAS_EXPIRED', 2, undefined],
    ['wrongName', true, 'ERR_TLS_CERT_ALTNAME_INVALID', 2, undefined],
    ['noSan', true, 'ERR_TLS_CERT_NO_SAN', 2, 'localhost'],
  ];
  it.each(cases)('%s (trusting the CA: %s) → %s', async (server, trust, error, length, servername) => {
    const result = await probeTls({ host: '127.0.0.1', port: ports[server], servername, caPems: trust ? [pki.ca] : [], systemPems: [], timeoutMs: 2000 });
    expect(result).toMatchObject({ authorized: error === undefined, authorizationError: error, protocol: 'TLSv1.3' });
    expect(result.chain).toHaveLength(length);
    expect(result.chain[0]!.isCA).toBe(false);
  });

  it('says when the port speaks plain HTTP', async () => {
    await expect(probeTls({ host: '127.0.0.1', port: ports.plainHttp, systemPems: [], timeoutMs: 2000 })).rejects.toMatchObject({ code: 'ERR_NETWORK', hint: expect.stringContaining('plain HTTP') });
  });
});

describe('pickCaFromChain', () => {
  it.each([
    ['leaf + intermediate: the intermediate', () => [certInfo(pki.leaves.good.cert), certInfo(pki.intermediate)], 'CN=regsetup test intermediate'],
    ['leaf + intermediate + root: the root', () => [certInfo(pki.leaves.good.cert), certInfo(pki.intermediate), certInfo(pki.ca)], 'CN=regsetup test CA'],
    ['a self-signed server certificate: itself', () => [certInfo(pki.ca)], 'CN=regsetup test CA'],
    ['only the leaf: nothing to learn', () => [certInfo(pki.leaves.good.cert)], undefined],
    ['no certificate', () => [], undefined],
  ])('%s', (_name, chain, subject) => {
    const picked = pickCaFromChain(chain());
    expect(picked.ca?.subject).toBe(subject);
    if (subject === undefined) expect(picked.reason).toBeTruthy();
  });
});
