import { describe, expect, it } from 'vitest';
import { RegsetupError } from '../../src/core/errors.js';
import type { CredentialBackend } from '../../src/credentials/backend.js';
import { answerKubelet, imageRegistry, providerResponseSchema } from '../../src/credentials/kubelet-provider.js';
import { memoryBackend } from '../fakes/memory-credential-backend.js';

const request = (image: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ apiVersion: 'credentialprovider.kubelet.k8s.io/v1', kind: 'CredentialProviderRequest', image, ...extra });

const store = () =>
  memoryBackend([
    { ServerURL: 'nexus.example.com', Username: 'ci', Secret: 'n3xus-pw' },
    { ServerURL: 'nexus.example.com:8443', Username: 'pusher', Secret: 'pu5h-pw' },
    { ServerURL: 'https://index.docker.io/v1/', Username: 'hubuser', Secret: 'hub-pw' },
    { ServerURL: 'ghcr.example', Username: '<token>', Secret: 'refresh-token' },
  ]);

describe('imageRegistry (docker reference parsing)', () => {
  it.each([
    ['nginx', 'docker.io'],
    ['library/nginx', 'docker.io'],
    ['myuser/app:1', 'docker.io'],
    ['docker.io/library/nginx', 'docker.io'],
    ['index.docker.io/library/nginx', 'docker.io'],
    ['registry:5000', 'docker.io'], // no slash: repository "registry", tag "5000"
    ['nexus.example.com/team/app', 'nexus.example.com'],
    ['nexus.example.com:8443/team/app:1.2', 'nexus.example.com:8443'],
    ['10.0.0.5:5000/app@sha256:0123abcd', '10.0.0.5:5000'],
    ['localhost/app', 'localhost'],
    ['localhost:5000/app', 'localhost:5000'],
    ['[::1]:5000/app', '[::1]:5000'],
    ['Registry/app', 'Registry'],
  ])('%s → %s', (image, registry) => {
    expect(imageRegistry(image)).toBe(registry);
  });
});

describe('answerKubelet', () => {
  it.each([
    ['a registry', 'nexus.example.com/team/app', { 'nexus.example.com': { username: 'ci', password: 'n3xus-pw' } }],
    ['a registry with a port', 'nexus.example.com:8443/team/app', { 'nexus.example.com:8443': { username: 'pusher', password: 'pu5h-pw' } }],
    ['a Docker Hub image (stored under its v1 index URL)', 'docker.io/library/nginx', { 'docker.io': { username: 'hubuser', password: 'hub-pw' } }],
  ])('answers for %s with its host[:port] as the match key', async (_name, image, auth) => {
    const answer = await answerKubelet(request(image), store());
    expect(answer).toMatchObject({ exitCode: 0, stderr: '' });
    const response = providerResponseSchema.parse(JSON.parse(answer.stdout));
    expect(response).toEqual({ apiVersion: 'credentialprovider.kubelet.k8s.io/v1', kind: 'CredentialProviderResponse', cacheKeyType: 'Registry', auth });
  });

  it.each([['an unknown registry', 'other.example/app'], ['a port not stored', 'nexus.example.com:5000/app']])('%s: empty auth, exit 0, not cached', async (_n, image) => {
    const answer = await answerKubelet(request(image), store());
    expect(answer.exitCode).toBe(0);
    expect(JSON.parse(answer.stdout)).toEqual({ apiVersion: 'credentialprovider.kubelet.k8s.io/v1', kind: 'CredentialProviderResponse', cacheKeyType: 'Registry', cacheDuration: '0s', auth: {} });
  });

  it('an identity token cannot be passed to kubelet: empty auth and a note', async () => {
    const answer = await answerKubelet(request('ghcr.example/org/app'), store());
    expect(JSON.parse(answer.stdout).auth).toEqual({});
    expect(answer.stderr).toContain('identity token for ghcr.example');
    expect(answer.stderr).not.toContain('refresh-token');
  });

  it('ignores a service account token and never echoes it', async () => {
    const answer = await answerKubelet(request('nexus.example.com/a', { serviceAccountToken: 'sa-t0ken', serviceAccountAnnotations: { a: 'b' } }), store());
    expect(answer.exitCode).toBe(0);
    expect(answer.stdout + answer.stderr).not.toContain('sa-t0ken');
  });

  it.each([
    ['not JSON', 'nexus.example.com/a', /not JSON/],
    ['another apiVersion', request('a.example/b').replace('/v1"', '/v1beta1"'), /apiVersion/],
    ['another kind', request('a.example/b').replace('CredentialProviderRequest', 'CredentialProviderResponse'), /kind/],
    ['no image', JSON.stringify({ apiVersion: 'credentialprovider.kubelet.k8s.io/v1', kind: 'CredentialProviderRequest', serviceAccountToken: 'sa-t0ken' }), /image/],
    ['an empty image', request(''), /image/],
  ])('a malformed request (%s): exit 2, message on stderr, nothing on stdout', async (_n, input, why) => {
    const answer = await answerKubelet(input, store());
    expect(answer).toMatchObject({ exitCode: 2, stdout: '' });
    expect(answer.stderr).toMatch(/^regsetup kubelet-credential-provider: error ERR_KUBELET_REQUEST: /);
    expect(answer.stderr).toMatch(why);
    expect(answer.stderr).not.toContain('sa-t0ken');
  });

  it('a store that cannot be read fails with its own code and exit code', async () => {
    const broken: Pick<CredentialBackend, 'get'> = {
      get: async () => {
        throw new RegsetupError('ERR_CREDENTIAL_STORE_CORRUPT', '/var/lib/regsetup/credentials/credentials.json is not valid JSON', { exitCode: 4, hint: 'Move it away.' });
      },
    };
    const answer = await answerKubelet(request('nexus.example.com/a'), broken);
    expect(answer).toMatchObject({ exitCode: 4, stdout: '' });
    expect(answer.stderr).toContain('ERR_CREDENTIAL_STORE_CORRUPT');
  });
});
