import type { CallOptions, Client, ServiceError } from '@grpc/grpc-js';
import * as z from 'zod';
import { badInput } from '../../core/errors.js';
import { authConfig, type CriAuth } from './cri-auth.js';
import { criError, type CallSite } from './cri-errors.js';
import { criTarget, loadCriGrpc, socketPath } from './cri-grpc.js';
import { parseStatus, type CriStatus } from './cri-status.js';

// A CRI client that talks to containerd the way kubelet does: runtime.v1 over gRPC on
// containerd's unix socket, a deadline on every call, credentials passed with each pull.

export const DEFAULT_CRI_SOCKET = 'unix:///run/containerd/containerd.sock';
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_PULL_TIMEOUT_MS = 5 * 60_000;
/** kubelet's limit (16 MiB); grpc-js's default 4 MiB is too small for ListImages on a busy node. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** kubelet's kubeRuntimeAPIVersion, which containerd echoes. */
const KUBE_API_VERSION = '0.1.0';

const versionSchema = z.object({ version: z.string(), runtimeName: z.string(), runtimeVersion: z.string(), runtimeApiVersion: z.string() });
const imageSchema = z.object({ id: z.string(), repoTags: z.array(z.string()), repoDigests: z.array(z.string()), size: z.union([z.string(), z.number()]) });
const imageStatusSchema = z.object({ image: imageSchema.nullable() });
const listImagesSchema = z.object({ images: z.array(imageSchema) });
const pullSchema = z.object({ imageRef: z.string() });

export type CriVersion = z.infer<typeof versionSchema>;
export interface CriImage {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
}

export interface CriClientOptions {
  /** `unix:///run/containerd/containerd.sock` or an absolute socket path. */
  socket?: string;
  /** Deadline of each call but pulls. */
  timeoutMs?: number;
}

export interface CriClient {
  readonly socket: string;
  version(): Promise<CriVersion>;
  status(options?: { verbose?: boolean }): Promise<CriStatus>;
  /** The image's id as containerd reports it (its config digest), the same as ImageStatus' id. */
  pullImage(ref: string, auth?: CriAuth, timeoutMs?: number): Promise<string>;
  /** undefined when containerd does not have the image. */
  imageStatus(ref: string): Promise<CriImage | undefined>;
  /** Idempotent, as CRI specifies: removing an absent image succeeds. */
  removeImage(ref: string): Promise<void>;
  listImages(): Promise<CriImage[]>;
  close(): void;
}

const toImage = (i: z.infer<typeof imageSchema>): CriImage => ({ id: i.id, repoTags: i.repoTags, repoDigests: i.repoDigests, size: Number(i.size) });
const spec = (image: string) => ({ image });

type Unary = (request: unknown, options: CallOptions, callback: (error: ServiceError | null, response?: unknown) => void) => unknown;

export function criClient(options: CriClientOptions = {}): CriClient {
  const given = options.socket ?? DEFAULT_CRI_SOCKET;
  const target = criTarget(given);
  if (target === undefined) throw badInput('ERR_CRI_SOCKET', `"${given}" is not a unix socket address`, 'Give it as unix:///run/containerd/containerd.sock or an absolute path.');
  const socket = socketPath(target);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let clients: Promise<{ runtime: Client; image: Client }> | undefined;
  let closed = false;

  const connect = () =>
    (clients ??= loadCriGrpc().then(({ grpc, RuntimeService, ImageService }) => {
      const channelOptions = { 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES, 'grpc.max_send_message_length': MAX_MESSAGE_BYTES };
      const runtime = new RuntimeService(target, grpc.credentials.createInsecure(), channelOptions);
      // One connection for both services, as kubelet has when both endpoints are the same socket.
      const image = new ImageService(target, grpc.credentials.createInsecure(), { ...channelOptions, channelOverride: runtime.getChannel() });
      return { runtime, image };
    }));

  async function call<T>(service: 'runtime' | 'image', method: string, request: unknown, schema: z.ZodType<T>, at: Omit<CallSite, 'socket' | 'method'> = { timeoutMs }): Promise<T> {
    if (closed) throw new Error('CRI client used after close()');
    const site: CallSite = { socket, method: `${service === 'runtime' ? 'RuntimeService' : 'ImageService'}/${method}`, ...at };
    const client = (await connect())[service] as unknown as Record<string, Unary>;
    const response = await new Promise<unknown>((resolve, reject) => {
      client[method]!.call(client, request, { deadline: Date.now() + at.timeoutMs }, (error, value) => (error ? reject(criError(error, site)) : resolve(value)));
    });
    return schema.parse(response);
  }

  return {
    socket,
    version: () => call('runtime', 'Version', { version: KUBE_API_VERSION }, versionSchema),
    status: async ({ verbose = true } = {}) => parseStatus(await call('runtime', 'Status', { verbose }, z.unknown())),
    pullImage: async (ref, auth, pullTimeoutMs = DEFAULT_PULL_TIMEOUT_MS) => {
      // kubelet fills user_specified_image with the pod's image; containerd 1.6 skips the field.
      const request = { image: { image: ref, userSpecifiedImage: ref }, ...(auth ? { auth: authConfig(auth) } : {}) };
      return (await call('image', 'PullImage', request, pullSchema, { timeoutMs: pullTimeoutMs, image: ref })).imageRef;
    },
    imageStatus: async (ref) => {
      const { image } = await call('image', 'ImageStatus', { image: spec(ref), verbose: false }, imageStatusSchema);
      return image === null ? undefined : toImage(image);
    },
    removeImage: async (ref) => void (await call('image', 'RemoveImage', { image: spec(ref) }, z.unknown())),
    listImages: async () => (await call('image', 'ListImages', {}, listImagesSchema)).images.map(toImage),
    close: () => {
      closed = true;
      void clients?.then(({ runtime, image }) => {
        image.close();
        runtime.close();
      });
    },
  };
}
