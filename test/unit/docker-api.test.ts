import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerApi, splitRef, toDockerInfo } from '../../src/host/docker-api.js';
import { dockerError, parseDockerHost } from '../../src/host/docker-connection.js';
import { parseProgressLine, progressOutcome, readProgress, splitLines } from '../../src/host/docker-progress.js';

// Recorded from dockerd 20.10 / 28.x (CRLF-separated JSON, as the API sends it).
const PULL_OK = [
  '{"status":"Pulling from library/alpine","id":"3.20"}',
  '{"status":"Pulling fs layer","progressDetail":{},"id":"c6a83fedfae6"}',
  '{"status":"Downloading","progressDetail":{"current":35231,"total":3623807},"progress":"[>    ]  35.23kB/3.624MB","id":"c6a83fedfae6"}',
  '{"status":"Pull complete","progressDetail":{},"id":"c6a83fedfae6"}',
  '{"status":"Digest: sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d"}',
  '{"status":"Status: Downloaded newer image for nexus.example.com/library/alpine:3.20"}',
];
const PULL_MID_STREAM_ERROR = [
  '{"status":"Pulling from library/alpine","id":"3.20"}',
  '{"status":"Pulling fs layer","progressDetail":{},"id":"c6a83fedfae6"}',
  '{"errorDetail":{"message":"unexpected EOF"},"error":"unexpected EOF"}',
];
const PUSH_OK = [
  '{"status":"The push refers to repository [nexus.example.com:8082/regsetup/probe]"}',
  '{"status":"Preparing","progressDetail":{},"id":"5f70bf18a086"}',
  '{"status":"Pushing","progressDetail":{"current":512,"total":32},"progress":"[==================================================\\u003e]     512B","id":"5f70bf18a086"}',
  '{"status":"Pushed","progressDetail":{},"id":"5f70bf18a086"}',
  '{"status":"latest: digest: sha256:1e7a2b2b0b5a8d9fa7bb4bfb2d9b1bb1c3a28b5c3b1e0b5e7f2d6d1c1b1a1f0e size: 528"}',
  '{"progressDetail":{},"aux":{"Tag":"latest","Digest":"sha256:1e7a2b2b0b5a8d9fa7bb4bfb2d9b1bb1c3a28b5c3b1e0b5e7f2d6d1c1b1a1f0e","Size":528}}',
];
const PUSH_GROUP_404 = [
  '{"status":"The push refers to repository [nexus.example.com/regsetup/probe]"}',
  '{"status":"Preparing","progressDetail":{},"id":"5f70bf18a086"}',
  '{"errorDetail":{"message":"error parsing HTTP 404 response body: unexpected end of JSON input: \\"\\""},"error":"error parsing HTTP 404 response body: unexpected end of JSON input: \\"\\""}',
];
const PUSH_UNAUTHORIZED_DETAIL_ONLY = [
  '{"status":"Preparing","progressDetail":{},"id":"5f70bf18a086"}',
  '{"errorDetail":{"message":"unauthorized: access to the requested resource is not authorized"}}',
];
const IMPORT_OK = ['{"status":"sha256:9c7a54a9a43cca047013b82af109fe963fde787f63f9e016fdc3384500c2823d"}'];

describe('progress stream', () => {
  it.each([
    { name: 'pull ok', lines: PULL_OK, want: { digest: 'sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d' } },
    { name: 'pull fails mid-stream', lines: PULL_MID_STREAM_ERROR, want: { error: 'unexpected EOF' } },
    { name: 'push ok: aux.Digest', lines: PUSH_OK, want: { digest: 'sha256:1e7a2b2b0b5a8d9fa7bb4bfb2d9b1bb1c3a28b5c3b1e0b5e7f2d6d1c1b1a1f0e' } },
    { name: 'push to a Nexus group', lines: PUSH_GROUP_404, want: { error: 'error parsing HTTP 404 response body: unexpected end of JSON input: ""' } },
    { name: 'errorDetail without error', lines: PUSH_UNAUTHORIZED_DETAIL_ONLY, want: { error: 'unauthorized: access to the requested resource is not authorized' } },
    { name: 'import: the image id', lines: IMPORT_OK, want: { imageId: 'sha256:9c7a54a9a43cca047013b82af109fe963fde787f63f9e016fdc3384500c2823d' } },
    { name: 'a proxy error page is kept as text', lines: ['<html><body>502 Bad Gateway</body></html>'], want: { events: [{ status: '<html><body>502 Bad Gateway</body></html>' }] } },
  ])('$name', ({ lines, want }) => {
    const outcome = progressOutcome(lines.map(parseProgressLine));
    expect(outcome).toMatchObject(want);
    if (!('error' in want)) expect(outcome.error).toBeUndefined();
  });

  it('splits lines and keeps the incomplete rest', () => {
    expect(splitLines('{"a":1}\r\n{"b":2}\r\n{"c"')).toEqual({ lines: ['{"a":1}', '{"b":2}'], rest: '{"c"' });
  });

  it('reads a stream cut at any byte, even inside a multi-byte character', async () => {
    const text = `${[...PUSH_GROUP_404, '{"status":"d\u00e9j\u00e0 \u2713"}'].join('\r\n')}\r\n`;
    const bytes = Buffer.from(text);
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
    }
    const outcome = await readProgress(chunks());
    expect(outcome.events).toHaveLength(4);
    expect(outcome.events[3]).toEqual({ status: 'd\u00e9j\u00e0 \u2713' });
    expect(outcome.error).toContain('error parsing HTTP 404');
  });
});

describe('toDockerInfo', () => {
  it('reads the registry config the daemon really uses', () => {
    const raw = {
      ServerVersion: '20.10.24+dfsg1',
      ContainersRunning: 2,
      LiveRestoreEnabled: true,
      SecurityOptions: ['name=seccomp,profile=default', 'name=rootless'],
      RegistryConfig: {
        AllowNondistributableArtifactsCIDRs: [],
        InsecureRegistryCIDRs: ['127.0.0.0/8'],
        IndexConfigs: {
          'docker.io': { Name: 'docker.io', Mirrors: ['https://nexus.example.com/'], Secure: true, Official: true },
          'reg.lab:5000': { Name: 'reg.lab:5000', Mirrors: [], Secure: false, Official: false },
        },
        Mirrors: ['https://nexus.example.com/'],
      },
    };
    expect(toDockerInfo(raw)).toEqual({
      mirrors: ['https://nexus.example.com/'],
      insecureRegistryCidrs: ['127.0.0.0/8'],
      indexConfigs: { 'docker.io': { secure: true, mirrors: ['https://nexus.example.com/'] }, 'reg.lab:5000': { secure: false, mirrors: [] } },
      liveRestore: true,
      runningContainers: 2,
      serverVersion: '20.10.24+dfsg1',
      rootless: true,
      containerdStore: false,
    });
  });

  it.each([
    { name: 'Docker 29 with the containerd image store', status: [['driver-type', 'io.containerd.snapshotter.v1']], want: { driverType: 'io.containerd.snapshotter.v1', containerdStore: true } },
    { name: 'overlay2 (the graph driver store)', status: [['Backing Filesystem', 'extfs'], ['Supports d_type', 'true']], want: { containerdStore: false } },
    { name: 'a malformed DriverStatus', status: 'driver-type', want: { containerdStore: false } },
  ])('$name', ({ status, want }) => {
    const info = toDockerInfo({ ServerVersion: '29.4.1', Driver: 'overlayfs', DriverStatus: status });
    expect(info).toMatchObject(want);
    if (!want.containerdStore) expect(info.driverType).toBeUndefined();
  });
});

describe('connection', () => {
  it.each([
    { host: undefined, want: { options: { socketPath: '/var/run/docker.sock' }, display: 'unix:///var/run/docker.sock' } },
    { host: 'unix:///run/user/1000/docker.sock', want: { options: { socketPath: '/run/user/1000/docker.sock' } } },
    { host: 'tcp://10.0.0.5:2375', want: { options: { host: '10.0.0.5', port: 2375, protocol: 'http' }, display: 'tcp://10.0.0.5:2375' } },
    { host: 'tcp://[::1]', want: { options: { host: '::1', port: 2375 } } },
  ])('parseDockerHost($host)', ({ host, want }) => {
    expect(parseDockerHost(host)).toMatchObject(want);
  });

  it.each(['ssh://me@host', 'unix://relative.sock'])('refuses %s', (host) => {
    expect(() => parseDockerHost(host)).toThrow(expect.objectContaining({ code: 'ERR_DOCKER_HOST', exitCode: 2 }));
  });

  it.each([
    { error: Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' }), code: 'ERR_DOCKER_UNREACHABLE', hint: 'does not exist' },
    { error: Object.assign(new Error('connect EACCES /var/run/docker.sock'), { code: 'EACCES' }), code: 'ERR_DOCKER_UNREACHABLE', hint: 'docker group' },
    { error: Object.assign(new Error('(HTTP code 404) unexpected'), { statusCode: 404, json: { message: 'manifest unknown' } }), code: 'ERR_PULL', message: 'manifest unknown' },
    {
      error: Object.assign(new Error('(HTTP code 500) server error - Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused '), { statusCode: 500, json: null }),
      code: 'ERR_PULL',
      message: 'Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused',
    },
  ])('dockerError → $code', ({ error, code, hint, message }) => {
    const mapped = dockerError(error, 'ERR_PULL', 'unix:///var/run/docker.sock');
    expect(mapped.code).toBe(code);
    if (hint !== undefined) expect(mapped.hint).toContain(hint);
    if (code === 'ERR_DOCKER_UNREACHABLE') expect(mapped.message).toMatch(/^Cannot connect to the Docker daemon at unix:\/\/\/var\/run\/docker\.sock/);
    if (message !== undefined) expect(mapped.message).toBe(message);
  });
});

describe('splitRef', () => {
  it.each([
    { ref: 'alpine', want: { repository: 'alpine' } },
    { ref: 'nexus.example.com:8082/regsetup/probe:1', want: { repository: 'nexus.example.com:8082/regsetup/probe', tag: '1' } },
    { ref: 'nexus.example.com:8082/regsetup/probe', want: { repository: 'nexus.example.com:8082/regsetup/probe' } },
    { ref: 'a/b@sha256:abc', want: { repository: 'a/b' } },
  ])('$ref', ({ ref, want }) => {
    expect(splitRef(ref)).toEqual(want);
  });
});

// The dockerode adapter against a fake daemon on a unix socket: proves the wiring
// (stream errors, HTTP errors, 404 → undefined) without a real dockerd.
describe('dockerApi adapter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'regsetup-docker-'));
  const socket = join(dir, 'docker.sock');
  const seen: Array<{ url: string; auth?: string }> = [];
  let server: Server;
  const stream = (lines: string[]) => `${lines.join('\r\n')}\r\n`;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = req.url ?? '';
      seen.push({ url, auth: req.headers['x-registry-auth'] as string | undefined });
      const json = (status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      req.resume();
      if (url.endsWith('/_ping')) return res.end('OK');
      if (url.includes('/images/create') && url.includes('fromImage=missing')) return json(404, { message: 'manifest for missing:latest not found: manifest unknown' });
      if (url.includes('/images/create') && url.includes('fromImage=broken')) return res.writeHead(200).end(stream(PULL_MID_STREAM_ERROR));
      if (url.includes('/images/create')) return res.writeHead(200).end(stream(PULL_OK));
      if (url.includes('/push')) return res.writeHead(200).end(stream(url.includes('group') ? PUSH_GROUP_404 : PUSH_OK));
      if (url.includes('/images/nope/json')) return json(404, { message: 'No such image: nope' });
      if (url.endsWith('/auth')) return json(401, { message: 'login attempt to https://reg/v2/ failed with status: 401 Unauthorized' });
      return json(500, { message: `unexpected ${url}` });
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const api = () => dockerApi({ dockerHost: `unix://${socket}` });
  const auth = { username: 'ci', password: 's3cr3t-pw', serveraddress: 'nexus.example.com:8082' };

  it('pull: digest on success, ERR_PULL for a 404 and for an error line', async () => {
    expect(await api().pull('alpine:3.20')).toEqual({ digest: 'sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d' });
    await expect(api().pull('missing')).rejects.toMatchObject({ code: 'ERR_PULL', message: 'manifest for missing:latest not found: manifest unknown' });
    await expect(api().pull('broken:1')).rejects.toMatchObject({ code: 'ERR_PULL', message: 'unexpected EOF' });
  });

  it('push: sends the auth, returns aux.Digest, ERR_PUSH on an error line', async () => {
    expect(await api().push('nexus.example.com:8082/regsetup/probe:1', auth)).toEqual({ digest: expect.stringMatching(/^sha256:1e7a/) });
    const request = seen.find((r) => r.url.includes('/push'));
    expect(request?.url).toContain('/images/nexus.example.com:8082/regsetup/probe/push?tag=1');
    expect(JSON.parse(Buffer.from(request?.auth ?? '', 'base64url').toString())).toEqual(auth);
    await expect(api().push('nexus.example.com/group/probe:1', auth)).rejects.toMatchObject({ code: 'ERR_PUSH' });
  });

  it('inspectImage: undefined for a missing image; checkAuth: not ok on 401', async () => {
    expect(await api().inspectImage('nope')).toBeUndefined();
    expect(await api().checkAuth(auth)).toEqual({ ok: false, status: '401', error: expect.stringContaining('401 Unauthorized') });
    await api().ping();
  });

  it('a socket nobody listens on is ERR_DOCKER_UNREACHABLE', async () => {
    await expect(dockerApi({ dockerHost: `unix://${socket}.none` }).ping()).rejects.toMatchObject({ code: 'ERR_DOCKER_UNREACHABLE' });
  });
});

describe('fakeDockerApi', () => {
  it('pulls what its remote has, pushes what it has, records calls', async () => {
    const { fakeDockerApi } = await import('../fakes/fake-docker-api.js');
    const docker = fakeDockerApi({ remote: { 'alpine:3.20': { id: 'sha256:a', repoDigests: ['alpine@sha256:d'] } } });
    expect(await docker.pull('alpine:3.20')).toEqual({ digest: 'sha256:d' });
    await expect(docker.pull('nope')).rejects.toMatchObject({ code: 'ERR_PULL' });
    await docker.tag('alpine:3.20', 'reg:5000/probe', '1');
    expect((await docker.push('reg:5000/probe:1')).digest).toMatch(/^sha256:/);
    expect(docker.calls.map(([name]) => name)).toEqual(['pull', 'pull', 'tag', 'push']);
  });
});
