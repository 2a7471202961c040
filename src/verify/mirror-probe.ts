import { RegistryClient } from '../host/registry-client.js';
import { certsDirCas } from '../host/tls.js';

export interface MirrorProbePorts {
  /** /etc/docker/certs.d, under --root. */
  certsRoot: string;
  systemPems: string[];
  now: () => number;
}

/**
 * HEAD of a Docker Hub manifest on a mirror, asked as dockerd asks a mirror: anonymously, trusting
 * the system roots plus certs.d/<mirror host>/. Shared by verify's mirror step and doctor's mirror check.
 */
export async function probeMirror(ports: MirrorProbePorts, mirror: string, repo: string, tag: string): Promise<{ status: number; digest?: string }> {
  const url = new URL(mirror);
  const certs = await certsDirCas(ports.certsRoot, url.host);
  return new RegistryClient({ baseUrl: url.origin, tls: { ca: [...ports.systemPems, ...certs.caPems] }, now: ports.now }).headManifest(repo, tag);
}
