import type { DockerApi, DockerInfo } from '../../../host/docker-api.js';
import type { Files } from '../../../host/files.js';

/** What Docker's verification steps use besides the suite's shared state. */
export interface DockerVerify {
  docker: DockerApi;
  /** The daemon's view at the start of the suite, or why it could not be had (each step then fails with it). */
  daemon: { info: DockerInfo } | { error: unknown };
  /** daemon.json of this dockerd, a host path (read through `files`, which is under --root). */
  daemonJsonPath: string;
  /** certs.d of this dockerd, a host path. */
  certsDir: string;
  files: Files;
}

export function daemonInfo(d: DockerVerify): DockerInfo {
  if ('info' in d.daemon) return d.daemon.info;
  throw d.daemon.error;
}
