import type { DockerApi, DockerInfo } from '../../../host/docker-api.js';
import type { Files } from '../../../host/files.js';

/** What Docker's verification steps use besides the suite's shared state. */
export interface DockerVerify {
  docker: DockerApi;
  /** The daemon's view, asked once when the first step needs it (after a join's reload), or why it could not be had. */
  daemon: () => Promise<DaemonView>;
  /** daemon.json of this dockerd, a host path (read through `files`, which is under --root). */
  daemonJsonPath: string;
  /** certs.d of this dockerd, a host path. */
  certsDir: string;
  files: Files;
}

export type DaemonView = { info: DockerInfo } | { error: unknown };

export async function daemonInfo(d: Pick<DockerVerify, 'daemon'>): Promise<DockerInfo> {
  const view = await d.daemon();
  if ('info' in view) return view.info;
  throw view.error;
}

/** The daemon's view, fetched at most once. */
export function liveDaemon(docker: Pick<DockerApi, 'info'>): () => Promise<DaemonView> {
  let view: Promise<DaemonView> | undefined;
  return () =>
    (view ??= docker.info().then(
      (info) => ({ info }),
      (error: unknown) => ({ error }),
    ));
}
