import * as grpc from '@grpc/grpc-js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RegsetupError } from '../../src/core/errors.js';
import type { CriAuth } from '../../src/host/cri/cri-auth.js';
import { criClient, type CriClient } from '../../src/host/cri/cri-client.js';
import { containerdInfo } from '../fakes/containerd-info.js';
import { startFakeCri, type FakeCri, type FakeCriOptions } from '../fakes/fake-cri.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(options: FakeCriOptions = {}, timeoutMs = 2000): Promise<{ fake: FakeCri; cri: CriClient }> {
  const fake = await startFakeCri(options);
  const cri = criClient({ socket: `unix://${fake.socket}`, timeoutMs });
  cleanups.push(() => fake.close(), () => cri.close());
  return { fake, cri };
}

async function failure(promise: Promise<unknown>): Promise<RegsetupError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RegsetupError);
  return error as RegsetupError;
}

const alpine = { id: 'sha256:aaaa', repoTags: ['docker.io/library/alpine:3'], repoDigests: ['docker.io/library/alpine@sha256:d1d1'], size: 3_500_000 };

describe('Version and Status', () => {
  it('asks Version with kubelet API version 0.1.0 and returns containerd names', async () => {
    const { fake, cri } = await setup();
    expect(await cri.version()).toEqual({ version: '0.1.0', runtimeName: 'containerd', runtimeVersion: '1.6.20~ds1', runtimeApiVersion: 'v1' });
    expect(fake.requests).toEqual([{ method: 'Version', request: { version: '0.1.0' } }]);
  });

  it.each([
    ['1.6 with config_path', containerdInfo('1.6', { configPath: '/etc/containerd/certs.d' }), { source: 'config', configPath: '/etc/containerd/certs.d', configPaths: ['/etc/containerd/certs.d'], mirrors: [] }],
    ['1.7 with two roots', containerdInfo('1.7', { configPath: '/etc/containerd/certs.d:/etc/docker/certs.d' }), { source: 'config', configPath: '/etc/containerd/certs.d:/etc/docker/certs.d', configPaths: ['/etc/containerd/certs.d', '/etc/docker/certs.d'], mirrors: [] }],
    ['1.6 with only mirrors', containerdInfo('1.6', { mirrors: { 'docker.io': { endpoint: ['https://m.example'] } } }), { source: 'config', configPath: '', configPaths: [], mirrors: ['docker.io'] }],
    ['2.x (registry not reported)', containerdInfo('2.0'), undefined],
    ['2.x with imageconfig', containerdInfo('imageconfig', { configPath: '/etc/containerd/certs.d' }), { source: 'imageconfig', configPath: '/etc/containerd/certs.d', configPaths: ['/etc/containerd/certs.d'], mirrors: [] }],
  ])('verbose Status, %s: registry config', async (_name, info, registry) => {
    const { fake, cri } = await setup();
    fake.info = info;
    const status = await cri.status({ verbose: true });
    expect(status.registry).toEqual(registry);
    expect(status.dirs).toEqual({ containerdRootDir: '/var/lib/containerd', containerdEndpoint: '/run/containerd/containerd.sock', rootDir: '/var/lib/containerd/io.containerd.grpc.v1.cri', stateDir: '/run/containerd/io.containerd.grpc.v1.cri' });
    expect(fake.requests.at(-1)).toEqual({ method: 'Status', request: { verbose: true } });
  });

  it('parses JSON info values, keeps plain strings, and returns the conditions', async () => {
    const { cri } = await setup();
    const status = await cri.status();
    expect(status.info.golang).toBe('go1.22.2');
    expect(status.info['lastCNILoadStatus.default']).toBe('OK');
    expect(status.info.lastCNILoadStatus).toMatch(/^cni config load failed/);
    expect(status.conditions.map((c) => [c.type, c.status])).toEqual([['RuntimeReady', true], ['NetworkReady', false]]);
  });

  it('masks the plaintext registry.auths containerd 1.x reports', async () => {
    const { fake, cri } = await setup();
    fake.info = containerdInfo('1.7', { configPath: '', auths: { 'r.example': { username: 'ci', password: 'pl41n-pw', auth: 'Y2k6cGw0MW4tcHc=' } } });
    const status = await cri.status();
    expect(JSON.stringify(status)).not.toMatch(/pl41n-pw|Y2k6cGw0MW4tcHc=/);
    expect((status.info.config as { registry: { auths: unknown } }).registry.auths).toEqual({ 'r.example': { username: 'ci', password: '***', auth: '***' } });
  });

  it('masks configs.<host>.auth and registry headers too', async () => {
    const { fake, cri } = await setup();
    const registry = { configPath: '', configs: { 'r.example': { auth: { username: 'ci', password: 'c0nf-pw', identitytoken: 'id-t0k' }, tls: { ca_file: '/ca.crt' } } }, headers: { Authorization: ['Basic aGVhZGVyLXB3'] } };
    fake.info = { config: JSON.stringify({ registry }) };
    const status = await cri.status();
    expect(JSON.stringify(status)).not.toMatch(/c0nf-pw|id-t0k|aGVhZGVyLXB3/);
    expect(status.info.config).toEqual({ registry: { configPath: '', configs: { 'r.example': { auth: { username: 'ci', password: '***', identitytoken: '***' }, tls: { ca_file: '/ca.crt' } } }, headers: { Authorization: ['***'] } } });
  });

  it('Status without verbose has no info and no registry', async () => {
    const { fake, cri } = await setup();
    const status = await cri.status({ verbose: false });
    expect(status).toMatchObject({ info: {}, registry: undefined });
    expect(fake.requests.at(-1)?.request).toEqual({ verbose: false });
  });
});

describe('images', () => {
  const wire = { username: '', password: '', auth: '', serverAddress: '', identityToken: '', registryToken: '' };
  it.each<[string, CriAuth | undefined, Record<string, string> | null]>([
    ['no credentials', undefined, null],
    ['user and password', { username: 'ci', password: 'pa55:w0rd' }, { ...wire, username: 'ci', password: 'pa55:w0rd' }],
    ['an auth string', { auth: 'Y2k6cGE1NXcwcmQ=' }, { ...wire, auth: 'Y2k6cGE1NXcwcmQ=' }],
    ['an identity token', { identityToken: 'eyJ.refresh' }, { ...wire, identityToken: 'eyJ.refresh' }],
    ['a server address', { username: 'ci', password: 'pw1', serverAddress: 'https://r.example:5000' }, { ...wire, username: 'ci', password: 'pw1', serverAddress: 'https://r.example:5000' }],
  ])('PullImage with %s passes them through exactly', async (_name, auth, expected) => {
    const { fake, cri } = await setup();
    fake.onPull = () => alpine;
    expect(await cri.pullImage('docker.io/library/alpine:3', auth)).toBe('sha256:aaaa');
    const { request } = fake.requests.find((r) => r.method === 'PullImage')!;
    expect(request.auth).toEqual(expected);
    expect(request.image).toMatchObject({ image: 'docker.io/library/alpine:3', userSpecifiedImage: 'docker.io/library/alpine:3' });
  });

  it('ImageStatus, ListImages and RemoveImage', async () => {
    const { fake, cri } = await setup();
    expect(await cri.imageStatus('docker.io/library/alpine:3')).toBeUndefined();
    fake.images.push(alpine);
    expect(await cri.imageStatus('docker.io/library/alpine@sha256:d1d1')).toEqual(alpine);
    expect(await cri.listImages()).toEqual([alpine]);
    await cri.removeImage('docker.io/library/alpine:3');
    await cri.removeImage('docker.io/library/alpine:3'); // idempotent, as CRI specifies
    expect(await cri.listImages()).toEqual([]);
  });

  it('refuses a server address containerd would never match', async () => {
    const { cri } = await setup();
    expect((await failure(cri.pullImage('r.example/a', { username: 'u', password: 'p', serverAddress: 'r.example' }))).code).toBe('ERR_CRI_AUTH_ADDRESS');
  });
});

describe('errors', () => {
  it.each([
    ['a missing socket', async (dir: string) => join(dir, 'none.sock'), /the socket does not exist/],
    ['a file nobody listens on', async (dir: string) => { await writeFile(join(dir, 'dead.sock'), ''); return join(dir, 'dead.sock'); }, /nothing listens on the socket|ECONNREFUSED/],
  ])('%s is ERR_CRI_UNREACHABLE, exit 4, with the CRI hint', async (_name, make, why) => {
    const dir = await mkdtemp(join(tmpdir(), 'regsetup-cri-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const cri = criClient({ socket: await make(dir), timeoutMs: 2000 });
    cleanups.push(() => cri.close());
    const error = await failure(cri.version());
    expect(error).toMatchObject({ code: 'ERR_CRI_UNREACHABLE', exitCode: 4 });
    expect(error.message).toMatch(why);
    expect(error.hint).toContain('disabled_plugins = ["cri"]');
  });

  it.each([['RuntimeService', (c: CriClient) => c.status()], ['ImageService', (c: CriClient) => c.listImages()]] as const)(
    'a containerd without %s (CRI plugin not loaded) is ERR_CRI_UNIMPLEMENTED',
    async (service, run) => {
      const { cri } = await setup({ without: [service] });
      const error = await failure(run(cri));
      expect(error).toMatchObject({ code: 'ERR_CRI_UNIMPLEMENTED', exitCode: 4 });
      expect(error.hint).toMatch(/failed to load plugin/);
    },
  );

  it.each([
    ['unauthorized', `failed to pull and unpack image "r.example/a:1": failed to resolve reference "r.example/a:1": pull access denied, authorization failed: 401 Unauthorized`, /credentials/],
    ['a certificate', 'failed to do request: Head "https://r.example/v2/a/manifests/1": tls: failed to verify certificate: x509: certificate signed by unknown authority', /hosts\.toml/],
    ['not found', 'failed to resolve reference "r.example/a:1": r.example/a:1: not found', /image name and tag/],
  ])('a pull refused (%s) keeps containerd\'s message, exit 3', async (_name, details, hint) => {
    const { fake, cri } = await setup();
    fake.onPull = () => ({ code: grpc.status.UNKNOWN, details });
    const error = await failure(cri.pullImage('r.example/a:1', { username: 'ci', password: 'n0t-echoed' }));
    expect(error).toMatchObject({ code: 'ERR_CRI_PULL_FAILED', exitCode: 3, message: `containerd could not pull r.example/a:1: ${details}` });
    expect(error.hint).toMatch(hint);
  });

  it('never echoes the AuthConfig, even when containerd quotes it', async () => {
    const { fake, cri } = await setup();
    fake.onPull = () => ({ code: grpc.status.UNKNOWN, details: 'invalid decoded auth: "ci-no-colon-S3cr3t"; password S3cr3t-pw' });
    const message = (await failure(cri.pullImage('r.example/a:1', { auth: Buffer.from('ci-no-colon-S3cr3t').toString('base64') }))).message;
    expect(message).not.toContain('ci-no-colon-S3cr3t');
    const again = (await failure(cri.pullImage('r.example/a:1', { username: 'ci', password: 'S3cr3t-pw' }))).message;
    expect(again).not.toContain('S3cr3t-pw');
  });

  it.each([
    ['Status', (c: CriClient) => c.status(), 'ERR_CRI_TIMEOUT', 4],
    ['PullImage', (c: CriClient) => c.pullImage('r.example/a:1', undefined, 150), 'ERR_CRI_PULL_TIMEOUT', 3],
  ] as const)('a %s past its deadline is %s', async (method, run, code, exitCode) => {
    const { fake, cri } = await setup({}, 150);
    fake.delayMs[method] = 1500;
    const started = Date.now();
    expect(await failure(run(cri))).toMatchObject({ code, exitCode });
    expect(Date.now() - started).toBeLessThan(1200);
  });

  it('other gRPC failures are ERR_CRI_FAILED with the method and code', async () => {
    const { fake, cri } = await setup();
    fake.fail.ImageStatus = { code: grpc.status.INTERNAL, details: 'boom' };
    expect(await failure(cri.imageStatus('x'))).toMatchObject({ code: 'ERR_CRI_FAILED', message: `ImageService/ImageStatus on ${fake.socket} failed: Internal: boom` });
  });

  it.each(['tcp://127.0.0.1:1234', 'relative.sock', 'unix://'])('refuses socket %j', (socket) => {
    expect(() => criClient({ socket })).toThrow(expect.objectContaining({ code: 'ERR_CRI_SOCKET' }));
  });
});
