import type * as Grpc from '@grpc/grpc-js';
import { criDescriptor } from './cri-descriptor.generated.js';

// grpc-js and proto-loader cost tens of milliseconds to load; only commands that speak CRI pay
// it, on their first call. The descriptor is compiled in (the bundle reads no .proto file).

export type GrpcModule = typeof Grpc;

export interface CriGrpc {
  grpc: GrpcModule;
  RuntimeService: Grpc.ServiceClientConstructor;
  ImageService: Grpc.ServiceClientConstructor;
}

let loading: Promise<CriGrpc> | undefined;

export function loadCriGrpc(): Promise<CriGrpc> {
  loading ??= (async () => {
    const [grpc, loader] = await Promise.all([import('@grpc/grpc-js'), import('@grpc/proto-loader')]);
    // longs as strings: Image.size is a uint64. defaults: absent fields read as '' / [] / false,
    // as Go's generated code gives them to crictl.
    const definition = loader.fromJSON(criDescriptor as Parameters<typeof loader.fromJSON>[0], {
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    const v1 = (grpc.loadPackageDefinition(definition) as unknown as { runtime: { v1: Record<string, Grpc.ServiceClientConstructor> } }).runtime.v1;
    return { grpc, RuntimeService: v1.RuntimeService!, ImageService: v1.ImageService! };
  })();
  return loading;
}

/** `unix:///run/containerd/containerd.sock` from either that or a bare absolute path. */
export function criTarget(socket: string): string | undefined {
  if (socket.startsWith('unix://')) return socket.length > 'unix://'.length ? socket : undefined;
  if (socket.startsWith('/')) return `unix://${socket}`;
  return undefined;
}

/** The socket path for messages, without the scheme. */
export const socketPath = (target: string): string => target.replace(/^unix:\/\//, '');
