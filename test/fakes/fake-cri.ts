import * as grpc from '@grpc/grpc-js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCriGrpc } from '../../src/host/cri/cri-grpc.js';
import { containerdInfo } from './containerd-info.js';

// A CRI server on a unix socket in a temp dir, built from the same descriptor as the client,
// answering like containerd. Tests set its answers and read back what each call carried.

export interface FakeImage {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
}

export interface Failure {
  code: grpc.status;
  details: string;
}

export interface FakeCriOptions {
  /** Leave a service out, as containerd does when its CRI plugin did not load: calls get Unimplemented. */
  without?: Array<'RuntimeService' | 'ImageService'>;
}

export interface FakeCri {
  socket: string;
  /** Every call in order: method name and the request as decoded. */
  requests: Array<{ method: string; request: Record<string, unknown> }>;
  version: { version: string; runtimeName: string; runtimeVersion: string; runtimeApiVersion: string };
  conditions: Array<{ type: string; status: boolean; reason: string; message: string }>;
  /** The info map a verbose Status returns (raw strings, as on the wire). */
  info: Record<string, string>;
  /** Images by every tag and digest reference they answer to. */
  images: FakeImage[];
  /** What PullImage does with a reference: the image it adds, or a failure. Default: not found. */
  onPull: (ref: string, request: Record<string, unknown>) => FakeImage | Failure;
  /** Methods that fail (takes precedence over everything else). */
  fail: Record<string, Failure>;
  /** Methods that answer only after this many ms. */
  delayMs: Record<string, number>;
  close(): Promise<void>;
}

const isFailure = (v: FakeImage | Failure): v is Failure => 'code' in v;

export async function startFakeCri(options: FakeCriOptions = {}): Promise<FakeCri> {
  const dir = await mkdtemp(join(tmpdir(), 'regsetup-cri-'));
  const socket = join(dir, 'containerd.sock');
  const { RuntimeService, ImageService } = await loadCriGrpc();
  const server = new grpc.Server();
  const find = (ref: string) => fake.images.find((i) => i.id === ref || i.repoTags.includes(ref) || i.repoDigests.includes(ref));

  const fake: FakeCri = {
    socket,
    requests: [],
    version: { version: '0.1.0', runtimeName: 'containerd', runtimeVersion: '1.6.20~ds1', runtimeApiVersion: 'v1' },
    conditions: [
      { type: 'RuntimeReady', status: true, reason: '', message: '' },
      { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'Network plugin returns error: cni plugin not initialized' },
    ],
    info: containerdInfo('1.6', { configPath: '/etc/containerd/certs.d' }),
    images: [],
    onPull: (ref) => ({ code: grpc.status.NOT_FOUND, details: `failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found` }),
    fail: {},
    delayMs: {},
    close: async () => {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };

  const handler = (method: string, answer: (request: Record<string, unknown>) => unknown | Failure) =>
    (call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      fake.requests.push({ method, request: call.request });
      const respond = () => {
        const failure = fake.fail[method];
        if (failure) return callback({ code: failure.code, details: failure.details });
        const result = answer(call.request);
        if (result && typeof result === 'object' && 'code' in result && 'details' in result) return callback(result as Failure);
        callback(null, result);
      };
      const delay = fake.delayMs[method];
      if (delay) setTimeout(respond, delay);
      else respond();
    };
  const imageRef = (request: Record<string, unknown>) => ((request.image ?? {}) as { image?: string }).image ?? '';

  if (!options.without?.includes('RuntimeService')) {
    server.addService(RuntimeService.service, {
      Version: handler('Version', () => fake.version),
      Status: handler('Status', (request) => ({ status: { conditions: fake.conditions }, info: request.verbose ? fake.info : {} })),
    });
  }
  if (!options.without?.includes('ImageService')) {
    server.addService(ImageService.service, {
      ListImages: handler('ListImages', () => ({ images: fake.images })),
      ImageStatus: handler('ImageStatus', (request) => ({ image: find(imageRef(request)) ?? null, info: {} })),
      PullImage: handler('PullImage', (request) => {
        const pulled = fake.onPull(imageRef(request), request);
        if (isFailure(pulled)) return pulled;
        if (!fake.images.some((i) => i.id === pulled.id)) fake.images.push(pulled);
        return { imageRef: pulled.id };
      }),
      RemoveImage: handler('RemoveImage', (request) => {
        const image = find(imageRef(request));
        if (image) fake.images = fake.images.filter((i) => i !== image);
        return {};
      }),
    });
  }
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve())),
  );
  return fake;
}
