import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { closeHttpAgents } from '../../src/host/http.js';
import { certInfo } from '../../src/host/tls.js';
import { fetchProfile } from '../../src/preflight/profile.js';
import { makeTestPki, type TestPki } from '../fakes/fake-registry.js';
import { jsonDocument } from '../json-documents.js';

let pki: TestPki;
let server: Server;
let base: string;
let profile: unknown;
const ports = { now: Date.now, note: () => undefined };

beforeAll(async () => {
  pki = makeTestPki(['good']);
  server = createServer(pki.leaves.good, (req, res) => {
    if (req.url === '/ca.crt') return void res.end(pki.ca);
    if (req.url === '/regsetup.json') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(profile));
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await closeHttpAgents();
  await new Promise((resolve) => server.close(resolve));
});

async function cli(...argv: string[]) {
  let stdout = '';
  const code = await runCli(argv, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => true }, stdin: new PassThrough(), env: {}, isTTY: false });
  return { code, stdout };
}

describe('profiles', () => {
  it('`regsetup profile` prints one from join flags, without credentials, that fetchProfile accepts', async () => {
    const { code, stdout } = await cli('profile', 'nexus.example.com', '--push-registry', 'nexus.example.com:8083', '--mirror-for', 'ghcr.io=https://nexus.example.com:8084', '--runtime', 'docker', '--ca-url', 'https://nexus.example.com/ca.crt', '--username', 'ci');
    expect(code).toBe(0);
    profile = JSON.parse(stdout);
    expect(profile).toEqual({ registry: 'nexus.example.com', pushRegistry: 'nexus.example.com:8083', mirrorFor: ['ghcr.io=https://nexus.example.com:8084'], ca: { url: 'https://nexus.example.com/ca.crt' }, runtimes: ['docker'] });
    expect(await fetchProfile(`${base}/regsetup.json`, [certInfo(pki.ca).fingerprint256], `${base}/ca.crt`, ports)).toEqual(profile);
  });

  it('`profile --json` prints the envelope and the profile; published as it is, join takes it without the envelope', async () => {
    const { code, stdout } = await cli('profile', 'nexus.example.com', '--runtime', 'docker', '--json');
    expect(code).toBe(0);
    profile = jsonDocument(stdout);
    expect(profile).toEqual({ schemaVersion: 1, command: 'profile', changed: false, registry: 'nexus.example.com', runtimes: ['docker'] });
    expect(await fetchProfile(`${base}/regsetup.json`, [certInfo(pki.ca).fingerprint256], `${base}/ca.crt`, ports)).toEqual({ registry: 'nexus.example.com', runtimes: ['docker'] });
  });

  it('is trusted only through the pinned CA', async () => {
    profile = { registry: 'nexus.example.com' };
    const wrong = `sha256:${'0'.repeat(64)}`;
    await expect(fetchProfile(`${base}/regsetup.json`, [wrong], `${base}/ca.crt`, ports)).rejects.toMatchObject({ code: 'ERR_CA_PIN_MISMATCH', exitCode: 4 });
    await expect(fetchProfile(`${base}/regsetup.json`, [], `${base}/ca.crt`, ports)).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('--ca-fingerprint') });
    await expect(fetchProfile(`http://127.0.0.1:1/regsetup.json`, [wrong], undefined, ports)).rejects.toMatchObject({ code: 'ERR_BAD_FLAG' });
  });

  it('a profile that carries credentials or unknown keys is refused', async () => {
    profile = { registry: 'nexus.example.com', credentials: { username: 'ci' }, extra: 1 };
    await expect(fetchProfile(`${base}/regsetup.json`, [certInfo(pki.ca).fingerprint256], `${base}/ca.crt`, ports)).rejects.toMatchObject({ code: 'ERR_PROFILE_INVALID', message: expect.stringContaining('credentials') });
  });
});
