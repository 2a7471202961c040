import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeHttpAgents, type HttpRequester, type HttpResponse } from '../../src/host/http.js';
import { RegistryClient, type RegistryClientOptions } from '../../src/host/registry-client.js';
import { buildTinyImage } from '../../src/host/tiny-image.js';
import { FakeRegistry, makeTestPki, type FakeRegistryOptions, type TestPki } from '../fakes/fake-registry.js';

let pki: TestPki;
const started: FakeRegistry[] = [];
beforeAll(() => {
  pki = makeTestPki(['good']);
});
afterAll(async () => {
  await closeHttpAgents();
  await Promise.all(started.map((r) => r.close()));
});

const users = { ci: 's3cret-pw' };
const good = { username: 'ci', password: 's3cret-pw' };
const wrong = { username: 'ci', password: 'nope-nope' };

async function setup(opts: FakeRegistryOptions, client: Partial<RegistryClientOptions> = {}) {
  const registry = await FakeRegistry.start({ users, tls: pki.leaves.good, ...opts });
  started.push(registry);
  return { registry, client: new RegistryClient({ baseUrl: registry.url, tls: { ca: [pki.ca] }, timeoutMs: 2000, ...client }) };
}

/** An HTTP port answering from a table, for shapes the fake registry does not produce. */
function scripted(answers: Record<string, Partial<HttpResponse> & { body?: Buffer }>): HttpRequester {
  return async (url, opts) => {
    const key = `${opts?.method ?? 'GET'} ${new URL(url).pathname}`;
    const answer = answers[key] ?? { status: 404 };
    return { status: 500, headers: {}, body: Buffer.alloc(0), url, timing: { sentAt: 0, receivedAt: 0 }, ...answer };
  };
}

describe('ping', () => {
  it('reports status, API version header, challenges and Date', async () => {
    const { client } = await setup({ auth: 'bearer' });
    const ping = await client.ping();
    expect(ping).toMatchObject({ status: 401, apiVersionHeader: 'registry/2.0', challenges: [{ scheme: 'bearer', params: { service: 'fake-registry' } }] });
    expect(Date.parse(ping.date!)).toBeGreaterThan(0);
  });
});

describe('authenticate', () => {
  const scope = ['repository:app:pull'];
  const cases: Array<[string, FakeRegistryOptions, Partial<RegistryClientOptions>, object]> = [
    ['no auth at all', { auth: 'none' }, {}, { scheme: 'none', anonymous: true }],
    ['Basic with good credentials', { auth: 'basic' }, { credentials: good }, { scheme: 'basic', anonymous: false }],
    ['Basic without credentials', { auth: 'basic' }, {}, { scheme: 'basic', anonymous: true }],
    ['Basic with a wrong password', { auth: 'basic' }, { credentials: wrong }, { code: 'ERR_AUTH_REJECTED' }],
    ['Bearer with good credentials', { auth: 'bearer' }, { credentials: good }, { scheme: 'bearer', service: 'fake-registry', anonymous: false, expiresIn: 300 }],
    ['Bearer, anonymous pull allowed', { auth: 'bearer', anonymousPull: true }, {}, { scheme: 'bearer', anonymous: true }],
    ['Bearer, anonymous pull refused', { auth: 'bearer' }, {}, { code: 'ERR_AUTH_REQUIRED', message: expect.stringContaining('anonymous') }],
    ['Bearer with a wrong password', { auth: 'bearer' }, { credentials: wrong }, { code: 'ERR_AUTH_REJECTED', message: expect.stringContaining('UNAUTHORIZED') }],
    ['Bearer realm unreachable', { auth: 'bearer', realm: 'https://127.0.0.1:1/token' }, { credentials: good }, { code: 'ERR_AUTH_REALM_UNREACHABLE', message: expect.stringContaining('ECONNREFUSED') }],
  ];
  it.each(cases)('%s', async (_name, registryOpts, clientOpts, expected) => {
    const { client } = await setup(registryOpts, clientOpts);
    const outcome = await client.authenticate(scope).catch((e: unknown) => e);
    expect(outcome).toMatchObject(expected);
    expect(`${JSON.stringify(outcome)} ${String(outcome)}`).not.toContain('s3cret-pw');
  });

  it('refuses a 401 without a challenge', async () => {
    const client = new RegistryClient({ baseUrl: 'https://registry.test', http: scripted({ 'GET /v2/': { status: 401 } }) });
    await expect(client.authenticate(scope)).rejects.toMatchObject({ code: 'ERR_AUTH_NO_CHALLENGE' });
  });
});

describe('push, head, delete', () => {
  it.each([
    ['Bearer', { auth: 'bearer' } as const],
    ['Basic', { auth: 'basic' } as const],
  ])('pushes the tiny image over %s auth, skips blobs already there, reads it back', async (_name, opts) => {
    const { registry, client } = await setup(opts, { credentials: good });
    const image = await buildTinyImage('push test');
    const first = await client.pushImage('team/verify', 'probe', image);
    expect(first).toEqual({ digest: image.manifestDigest, uploaded: expect.any(Array), skipped: [] });
    expect(first.uploaded).toHaveLength(2);
    expect(registry.blobs.size).toBe(2);
    expect((await client.pushImage('team/verify', 'probe', image)).skipped).toHaveLength(2);
    expect(await client.headManifest('team/verify', 'probe')).toEqual({
      status: 200,
      digest: image.manifestDigest,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    });
    expect(await client.headManifest('team/verify', 'absent')).toEqual({ status: 404 });
  });

  it.each([
    ['refused (405 UNSUPPORTED)', false, { deleted: false, status: 405, reason: expect.stringContaining('UNSUPPORTED') }],
    ['allowed (202)', true, { deleted: true, status: 202 }],
  ])('delete %s', async (_name, deleteEnabled, expected) => {
    const { client } = await setup({ auth: 'bearer', deleteEnabled }, { credentials: good });
    const image = await buildTinyImage('delete test');
    const { digest } = await client.pushImage('app', 'probe', image);
    expect(await client.deleteManifest('app', digest)).toEqual(expected);
  });

  it('an anonymous pull token cannot push: ERR_AUTH_REQUIRED', async () => {
    const { client } = await setup({ auth: 'bearer', anonymousPull: true });
    await expect(client.pushImage('app', 'probe', await buildTinyImage('anon'))).rejects.toMatchObject({ code: 'ERR_AUTH_REQUIRED', status: 401 });
  });

  it("puts the registry's error JSON in the message", async () => {
    const { client } = await setup({ auth: 'bearer' }, { credentials: good });
    const image = await buildTinyImage('a');
    const other = await buildTinyImage('b');
    const error = client.pushImage('app', 'probe', { ...image, manifest: other.manifest });
    await expect(error).rejects.toMatchObject({ code: 'ERR_REGISTRY_HTTP', status: 400, message: expect.stringContaining('MANIFEST_BLOB_UNKNOWN') });
  });

  const proxied: Array<[string, Partial<HttpResponse>, string]> = [
    ['nginx body limit', { status: 413, body: Buffer.from('<html><title>413 Request Entity Too Large</title></html>') }, 'HTTP 413: <html><title>413 Request Entity Too Large'],
    ['push to a Nexus group', { status: 404, body: Buffer.alloc(0) }, 'HTTP 404: empty body'],
    ['denied', { status: 403, body: Buffer.from('{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}') }, 'HTTP 403: DENIED: requested access'],
  ];
  it.each(proxied)('reports %s with status and body', async (_name, answer, message) => {
    const http = scripted({ 'POST /v2/app/blobs/uploads/': answer });
    const client = new RegistryClient({ baseUrl: 'https://registry.test', http });
    await expect(client.pushImage('app', 'probe', await buildTinyImage('x'))).rejects.toMatchObject({ status: answer.status, message: expect.stringContaining(message) });
  });
});
