import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { RegsetupError, type ErrorCode } from '../core/errors.js';
import { redact } from '../core/redact.js';
import { apiMessage, dockerError, parseDockerHost } from './docker-connection.js';
import { readProgress } from './docker-progress.js';

/** X-Registry-Auth. serveraddress is exactly host[:port]: no scheme, no path. */
export interface AuthConfig {
  username: string;
  password: string;
  serveraddress: string;
}

/** The parts of `docker info` we act on. */
export interface DockerInfo {
  /** RegistryConfig.Mirrors: what the daemon really uses, as opposed to what daemon.json says. */
  mirrors: string[];
  insecureRegistryCidrs: string[];
  indexConfigs: Record<string, { secure: boolean; mirrors: string[] }>;
  liveRestore: boolean;
  runningContainers: number;
  serverVersion: string;
  rootless: boolean;
  /** DriverStatus "driver-type": io.containerd.snapshotter.v1 with the containerd image store (Docker ≥ 29 by default). */
  driverType?: string;
  /** The containerd image store: registries are then resolved through certs.d/<host>/hosts.toml too. */
  containerdStore: boolean;
}

export interface DockerVersion {
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
}

export interface ImageRef {
  id: string;
  repoDigests: string[];
}

export interface ReloadEvent {
  timeMs: number;
  /** The reloaded settings as the daemon reports them (e.g. "registry-mirrors"). */
  attributes: Record<string, string>;
}

/** The Docker API port: only what regsetup uses, so a fake can implement all of it. */
export interface DockerApi {
  ping(timeoutMs?: number): Promise<void>;
  version(): Promise<DockerVersion>;
  info(): Promise<DockerInfo>;
  /** Throws RegsetupError ERR_PULL with the daemon's text. */
  pull(ref: string, auth?: AuthConfig): Promise<{ digest?: string }>;
  /** Throws RegsetupError ERR_PUSH with the daemon's text. */
  push(ref: string, auth?: AuthConfig): Promise<{ digest?: string }>;
  /** A rootfs tarball becomes image repo:tag, no registry involved. */
  importImage(tarball: NodeJS.ReadableStream | Buffer, repo: string, tag: string): Promise<{ id?: string }>;
  tag(source: string, repo: string, tag: string): Promise<void>;
  inspectImage(ref: string): Promise<ImageRef | undefined>;
  /** false when there was no such image. */
  removeImage(ref: string, options?: { force?: boolean }): Promise<boolean>;
  /** The daemon's own login check (its TLS settings, its certs.d). */
  checkAuth(auth: AuthConfig): Promise<{ ok: boolean; status?: string; error?: string }>;
  /** Reload events between two times; with untilMs in the future, waits until then. */
  reloadEvents?(sinceMs: number, untilMs: number): Promise<ReloadEvent[]>;
}

/** "host:5000/a/b:tag" → repository and tag; the last ":" after the last "/" is the tag. */
export function splitRef(ref: string): { repository: string; tag?: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { repository: ref.slice(0, at) };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repository: ref };
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

export const CONTAINERD_SNAPSHOTTER = 'io.containerd.snapshotter.v1';

/** `docker info` JSON → DockerInfo. Exported for tests. */
export function toDockerInfo(raw: Record<string, unknown>): DockerInfo {
  const registry = (raw.RegistryConfig ?? {}) as Record<string, unknown>;
  const indexConfigs: DockerInfo['indexConfigs'] = {};
  // [["driver-type", "io.containerd.snapshotter.v1"]] (moby daemon/containerd/service.go LayerStoreStatus).
  const status = Array.isArray(raw.DriverStatus) ? (raw.DriverStatus as unknown[]).filter((p): p is [string, string] => Array.isArray(p) && typeof p[0] === 'string' && typeof p[1] === 'string') : [];
  const driverType = status.find(([key]) => key === 'driver-type')?.[1];
  for (const [name, value] of Object.entries((registry.IndexConfigs ?? {}) as Record<string, Record<string, unknown>>)) {
    indexConfigs[name] = { secure: value.Secure !== false, mirrors: strings(value.Mirrors) };
  }
  return {
    mirrors: strings(registry.Mirrors),
    insecureRegistryCidrs: strings(registry.InsecureRegistryCIDRs),
    indexConfigs,
    liveRestore: raw.LiveRestoreEnabled === true,
    runningContainers: typeof raw.ContainersRunning === 'number' ? raw.ContainersRunning : 0,
    serverVersion: typeof raw.ServerVersion === 'string' ? raw.ServerVersion : '',
    rootless: strings(raw.SecurityOptions).some((option) => option.includes('name=rootless')),
    ...(driverType === undefined ? {} : { driverType }),
    containerdStore: driverType === CONTAINERD_SNAPSHOTTER,
  };
}

export function dockerApi(options: { dockerHost?: string } = {}): DockerApi {
  const connection = parseDockerHost(options.dockerHost ?? process.env.DOCKER_HOST);
  // dockerode (with ssh2 and friends) costs ~130 ms to load: only a command that talks to the daemon pays it.
  let client: Promise<Docker> | undefined;
  const connect = () => (client ??= import('dockerode').then(({ default: Dockerode }) => new Dockerode(connection.options)));
  const fail = (code: ErrorCode) => (error: unknown): never => {
    throw dockerError(error, code, connection.display);
  };
  const notFound = (error: unknown) => (error as { statusCode?: number }).statusCode === 404;

  // Errors come two ways: an HTTP status before the stream starts (e.g. 404 manifest
  // unknown), or an {"error"} line in the middle of a 200 stream.
  const streamed = async (code: ErrorCode, start: () => Promise<NodeJS.ReadableStream>) => {
    const stream = await start().catch(fail(code));
    const outcome = await readProgress(stream as AsyncIterable<Buffer>).catch(fail(code));
    if (outcome.error !== undefined) throw new RegsetupError(code, outcome.error);
    return outcome;
  };

  return {
    ping: async (timeoutMs = 5_000) => {
      // dockerode 5 takes an abortSignal here; @types/dockerode (4.x) does not know it yet.
      const docker = await connect();
      const ping = docker.ping.bind(docker) as unknown as (opts: { abortSignal: AbortSignal }) => Promise<unknown>;
      await ping({ abortSignal: AbortSignal.timeout(timeoutMs) }).catch(fail('ERR_DOCKER_PING'));
    },
    version: async () => {
      const v = await (await connect()).version().catch(fail('ERR_DOCKER_API'));
      return { version: v.Version, apiVersion: v.ApiVersion, os: v.Os, arch: v.Arch };
    },
    info: async () => toDockerInfo((await (await connect()).info().catch(fail('ERR_DOCKER_API'))) as Record<string, unknown>),
    pull: async (ref, auth) => {
      const outcome = await streamed('ERR_PULL', async () => (await connect()).pull(ref, auth === undefined ? {} : { authconfig: auth }));
      return { digest: outcome.digest };
    },
    push: async (ref, auth) => {
      const { repository, tag } = splitRef(ref);
      const image = (await connect()).getImage(repository);
      const outcome = await streamed('ERR_PUSH', () => image.push({ ...(tag === undefined ? {} : { tag }), ...(auth === undefined ? {} : { authconfig: auth }) }));
      return { digest: outcome.digest };
    },
    importImage: async (tarball, repo, tag) => {
      const source = Buffer.isBuffer(tarball) ? Readable.from([tarball]) : tarball;
      const outcome = await streamed('ERR_IMPORT', async () => (await connect()).importImage(source, { repo, tag }));
      return { id: outcome.imageId };
    },
    tag: async (source, repo, tag) => {
      await (await connect()).getImage(source).tag({ repo, tag }).catch(fail('ERR_DOCKER_API'));
    },
    inspectImage: async (ref) => {
      try {
        const image = await (await connect()).getImage(ref).inspect();
        return { id: image.Id, repoDigests: image.RepoDigests ?? [] };
      } catch (error) {
        if (notFound(error)) return undefined;
        return fail('ERR_DOCKER_API')(error);
      }
    },
    removeImage: async (ref, { force = false } = {}) => {
      try {
        await (await connect()).getImage(ref).remove({ force });
        return true;
      } catch (error) {
        if (notFound(error)) return false;
        return fail('ERR_DOCKER_API')(error);
      }
    },
    checkAuth: async (auth) => {
      try {
        const body = (await (await connect()).checkAuth(auth)) as { Status?: string } | undefined;
        return { ok: true, status: body?.Status };
      } catch (error) {
        const status = (error as { statusCode?: number }).statusCode;
        // No status code: we never reached the daemon. That is not a login failure.
        if (status === undefined) return fail('ERR_DOCKER_API')(error);
        return { ok: false, status: String(status), error: redact(apiMessage(error as object)) };
      }
    },
    reloadEvents: async (sinceMs, untilMs) => {
      const filters = { type: ['daemon' as const], event: ['reload'] };
      const stream = await (await connect())
        .getEvents({ since: Math.floor(sinceMs / 1000), until: Math.ceil(untilMs / 1000), filters })
        .catch(fail('ERR_DOCKER_API'));
      const { events } = await readProgress(stream as AsyncIterable<Buffer>);
      return events.map((event) => {
        const e = event as { timeNano?: number; time?: number; Actor?: { Attributes?: Record<string, string> } };
        return { timeMs: e.timeNano ? Math.floor(e.timeNano / 1e6) : (e.time ?? 0) * 1000, attributes: e.Actor?.Attributes ?? {} };
      });
    },
  };
}
