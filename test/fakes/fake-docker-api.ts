// An in-memory Docker daemon, in the style of docker/cli's fakeClient: sensible
// defaults for every call, and any call can be replaced for one test.
import { createHash } from 'node:crypto';
import { RegsetupError } from '../../src/core/errors.js';
import type { AuthConfig, DockerApi, DockerInfo, ImageRef } from '../../src/host/docker-api.js';

export interface FakeDockerOptions extends Omit<Partial<DockerApi>, 'info'> {
  /** Merged into the default `docker info`; change fake.infoValue later to simulate a reload. */
  info?: Partial<DockerInfo>;
  /** Images already present: ref → image. */
  images?: Record<string, ImageRef>;
  /** Refs a default pull can fetch ("a registry"): ref → image. */
  remote?: Record<string, ImageRef>;
  /** Valid logins for the default checkAuth: serveraddress → password. */
  logins?: Record<string, { username: string; password: string }>;
}

export interface FakeDockerApi extends DockerApi {
  images: Map<string, ImageRef>;
  remote: Map<string, ImageRef>;
  infoValue: DockerInfo;
  /** Every call, in order, for assertions: ['pull', ref, auth]. */
  calls: Array<[string, ...unknown[]]>;
}

export const fakeDigest = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

const normalise = (ref: string) => (ref.includes(':') && ref.lastIndexOf(':') > ref.lastIndexOf('/')) || ref.includes('@') ? ref : `${ref}:latest`;

export function fakeDockerApi(options: FakeDockerOptions = {}): FakeDockerApi {
  const { info, images = {}, remote = {}, logins = {}, ...overrides } = options;
  const fake: FakeDockerApi = {
    images: new Map(Object.entries(images).map(([ref, image]) => [normalise(ref), image])),
    remote: new Map(Object.entries(remote).map(([ref, image]) => [normalise(ref), image])),
    infoValue: {
      mirrors: [],
      insecureRegistryCidrs: ['127.0.0.0/8'],
      indexConfigs: { 'docker.io': { secure: true, mirrors: [] } },
      liveRestore: false,
      runningContainers: 0,
      serverVersion: '28.2.2',
      rootless: false,
      containerdStore: false,
      ...info,
    },
    calls: [],
    ping: async () => undefined,
    version: async () => ({ version: fake.infoValue.serverVersion, apiVersion: '1.50', os: 'linux', arch: 'amd64' }),
    info: async () => structuredClone(fake.infoValue),
    pull: async (ref) => {
      const image = fake.remote.get(normalise(ref));
      if (image === undefined) throw new RegsetupError('ERR_PULL', `manifest for ${ref} not found: manifest unknown: manifest unknown`);
      fake.images.set(normalise(ref), image);
      return { digest: image.repoDigests[0]?.split('@')[1] };
    },
    push: async (ref) => {
      const image = fake.images.get(normalise(ref));
      if (image === undefined) throw new RegsetupError('ERR_PUSH', `An image does not exist locally with the tag: ${ref}`);
      const digest = fakeDigest(`manifest of ${image.id}`);
      fake.remote.set(normalise(ref), { id: image.id, repoDigests: [`${ref.replace(/:[^:/]+$/, '')}@${digest}`] });
      return { digest };
    },
    importImage: async (_tarball, repo, tag) => {
      const id = fakeDigest(`${repo}:${tag}`);
      fake.images.set(`${repo}:${tag}`, { id, repoDigests: [] });
      return { id };
    },
    tag: async (source, repo, tag) => {
      const image = fake.images.get(normalise(source));
      if (image === undefined) throw new RegsetupError('ERR_DOCKER_API', `No such image: ${source}`);
      fake.images.set(`${repo}:${tag}`, image);
    },
    inspectImage: async (ref) => fake.images.get(normalise(ref)),
    removeImage: async (ref) => fake.images.delete(normalise(ref)),
    checkAuth: async (auth: AuthConfig) => {
      const login = logins[auth.serveraddress];
      if (login?.username === auth.username && login.password === auth.password) return { ok: true, status: 'Login Succeeded' };
      return { ok: false, status: '401', error: `login attempt to https://${auth.serveraddress}/v2/ failed with status: 401 Unauthorized` };
    },
    reloadEvents: async () => [],
    ...overrides,
  };
  // Record every call, whichever implementation answers it.
  for (const name of Object.keys(fake) as Array<keyof DockerApi>) {
    const fn = fake[name];
    if (typeof fn !== 'function') continue;
    (fake as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      fake.calls.push([name, ...args]);
      return (fn as (...a: unknown[]) => unknown)(...args);
    };
  }
  return fake;
}
