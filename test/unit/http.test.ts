import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeHttpAgents, httpRequest, type HttpTlsOptions } from '../../src/host/http.js';
import { makeTestPki, type TestPki } from '../fakes/fake-registry.js';

const servers: Server[] = [];
async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const seen: Array<{ url?: string; authorization?: string }> = [];
const routes: RequestListener = (req, res) => {
  seen.push({ url: req.url, authorization: req.headers.authorization });
  if (req.url === '/hang') return; // never answers
  if (req.url === '/big') return res.end(Buffer.alloc(4096));
  if (req.url?.startsWith('/redirect')) {
    res.writeHead(307, { location: new URL(req.url, 'http://x').searchParams.get('to') ?? '/hello' });
    return res.end();
  }
  res.writeHead(200, { 'x-multi': ['a', 'b'], 'Docker-Distribution-Api-Version': 'registry/2.0' });
  res.end('hello');
};

let pki: TestPki;
let plain: string;
let other: string;
const https: Record<string, string> = {};

beforeAll(async () => {
  pki = makeTestPki();
  plain = await listen(createHttpServer(routes));
  other = await listen(createHttpServer(routes));
  for (const [name, leaf] of Object.entries(pki.leaves)) https[name] = await listen(createHttpsServer(leaf, routes));
});
afterAll(async () => {
  await closeHttpAgents();
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('httpRequest', () => {
  it('returns status, lower-cased headers, body and timing from the injected clock', async () => {
    let t = 1000;
    const res = await httpRequest(`http://${plain}/hello`, { now: () => (t += 500) });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('hello');
    expect(res.headers['docker-distribution-api-version']).toBe('registry/2.0');
    expect(res.headers['x-multi']).toEqual(['a', 'b']);
    expect(res.timing).toEqual({ sentAt: 1500, receivedAt: 2000 });
  });

  const tlsCases: Array<[string, string, () => HttpTlsOptions | undefined, string | number]> = [
    ['trusted with the CA', 'good', () => ({ ca: [pki.ca] }), 200],
    ['trusted through an intermediate', 'viaIntermediate', () => ({ ca: [pki.ca] }), 200],
    ['unknown CA (Node roots only)', 'good', () => undefined, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['expired leaf', 'expired', () => ({ ca: [pki.ca] }), 'CERT_HAS_EXPIRED'],
    ['wrong name', 'wrongName', () => ({ ca: [pki.ca] }), 'ERR_TLS_CERT_ALTNAME_INVALID'],
    ['insecureSkipVerify accepts the expired leaf', 'expired', () => ({ insecureSkipVerify: true }), 200],
  ];
  it.each(tlsCases)('TLS: %s', async (_name, server, tls, expected) => {
    const attempt = httpRequest(`https://${https[server]}/hello`, { tls: tls() });
    if (typeof expected === 'number') expect((await attempt).status).toBe(expected);
    else await expect(attempt).rejects.toMatchObject({ code: 'ERR_NETWORK', exitCode: 4, message: expect.stringContaining(expected), hint: expect.stringContaining('TLS with') });
  });

  it('names ECONNREFUSED and redacts credentials in the URL', async () => {
    const closed = createHttpServer();
    const hostPort = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const error = (await httpRequest(`http://ci:hunter22@${hostPort}/v2/`).catch((e: unknown) => e)) as Error;
    // A network failure is not a bug: exit 4, and the hint names the host (never the credentials).
    expect(error).toMatchObject({ code: 'ERR_NETWORK', exitCode: 4, message: expect.stringContaining('ECONNREFUSED'), hint: expect.stringContaining(`Nothing listens at ${hostPort}`) });
    expect(`${error.message} ${(error as { hint?: string }).hint}`).not.toContain('hunter22');
  });

  it('names a name that does not resolve', async () => {
    await expect(httpRequest('http://no-such-host.invalid/v2/', { timeoutMs: 5000 })).rejects.toMatchObject({
      code: 'ERR_NETWORK',
      exitCode: 4,
      hint: expect.stringContaining('no-such-host.invalid does not resolve'),
    });
  });

  it('times out as ETIMEDOUT', async () => {
    await expect(httpRequest(`http://${plain}/hang`, { timeoutMs: 100 })).rejects.toMatchObject({ exitCode: 4, message: expect.stringContaining('ETIMEDOUT'), hint: expect.stringContaining('did not answer in time') });
  });

  it('refuses bodies over maxBodyBytes', async () => {
    await expect(httpRequest(`http://${plain}/big`, { maxBodyBytes: 1024 })).rejects.toMatchObject({ code: 'ERR_HTTP_BODY_TOO_LARGE', exitCode: 4 });
  });

  it('does not follow redirects unless asked, and drops Authorization across origins', async () => {
    const to = encodeURIComponent(`http://${other}/hello`);
    const headers = { authorization: 'Bearer abc' };
    expect((await httpRequest(`http://${plain}/redirect?to=${to}`, { headers })).status).toBe(307);
    seen.length = 0;
    const res = await httpRequest(`http://${plain}/redirect?to=${to}`, { headers, followRedirects: 2 });
    expect(res).toMatchObject({ status: 200, url: `http://${other}/hello` });
    expect(seen).toEqual([{ url: `/redirect?to=${to}`, authorization: 'Bearer abc' }, { url: '/hello', authorization: undefined }]);
  });
});
