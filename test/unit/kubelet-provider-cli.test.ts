import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, ensureBuilt } from './helpers/built-cli.js';

// The protocol exactly as kubelet speaks it: exec `regsetup kubelet-credential-provider` (the
// provider's args), one CredentialProviderRequest on stdin, the response parsed from stdout.
// The credentials go in first through docker-credential-regsetup, as join and docker login do.

let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), 'regsetup-kcp-'));
  env = {
    PATH: '/usr/bin:/bin',
    HOME: dir,
    REGSETUP_CREDENTIALS_DIR: join(dir, 'store'),
    REGSETUP_CREDENTIALS_KEY_DIR: join(dir, 'key'),
    REGSETUP_CREDENTIALS_KEY_PROTECTION: 'file',
    REGSETUP_CREDENTIALS_BACKEND: 'file',
  };
  for (const [ServerURL, Username, Secret] of [
    ['nexus.example.com', 'ci', 'n3xus pw"quoted'],
    ['nexus.example.com:8443', 'pusher', 'pu5h-pw'],
    ['https://index.docker.io/v1/', 'hubuser', 'hub-pw'],
  ]) {
    const stored = await execa(process.execPath, [bin('docker-credential-regsetup'), 'store'], { input: JSON.stringify({ ServerURL, Username, Secret }), env, extendEnv: false, reject: false });
    expect(stored.exitCode, stored.stdout).toBe(0);
  }
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

const kubelet = (input: string) =>
  execa(process.execPath, [bin('regsetup'), 'kubelet-credential-provider'], { input, env, extendEnv: false, reject: false, timeout: 30_000 });
const request = (image: string) => JSON.stringify({ kind: 'CredentialProviderRequest', apiVersion: 'credentialprovider.kubelet.k8s.io/v1', image });
const response = (auth: Record<string, unknown>, cache: Record<string, string> = {}) => ({
  kind: 'CredentialProviderResponse',
  apiVersion: 'credentialprovider.kubelet.k8s.io/v1',
  cacheKeyType: 'Registry',
  ...cache,
  auth,
});

describe('regsetup kubelet-credential-provider, run as kubelet runs it', () => {
  it.each([
    ['a known registry', 'nexus.example.com/team/app', response({ 'nexus.example.com': { username: 'ci', password: 'n3xus pw"quoted' } })],
    ['a registry with a port', 'nexus.example.com:8443/team/app', response({ 'nexus.example.com:8443': { username: 'pusher', password: 'pu5h-pw' } })],
    ['a docker.io image', 'docker.io/library/nginx', response({ 'docker.io': { username: 'hubuser', password: 'hub-pw' } })],
    ['an unknown registry', 'other.example:5000/app', response({}, { cacheDuration: '0s' })],
  ])('%s', async (_name, image, expected) => {
    const result = await kubelet(request(image));
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(expected);
  });

  it('a malformed request: non-zero exit, a message on stderr, nothing on stdout', async () => {
    const result = await kubelet('{"kind": "CredentialProviderRequest"');
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^regsetup kubelet-credential-provider: error ERR_KUBELET_REQUEST: the request on stdin is not JSON/);
  });
});
