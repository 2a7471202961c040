import { resolveHostPath } from '../../../host/host-path.js';
import { RegistryClient } from '../../../host/registry-client.js';
import { certsDirCas } from '../../../host/tls.js';
import { hasDigest, hubRepository } from '../../../verify/image-ref.js';
import { clientFor, type VerifyState } from '../../../verify/state.js';
import type { Step } from '../../../verify/types.js';
import type { Podman, PodmanMirror } from '../podman-cli.js';
import { NO_PODMAN, type ContainersVerify } from './context.js';

/** podman pulls (with the credentials and trust it is configured with), then removes the image unless it was there before. */
export async function pullAndCheck(podman: Podman, ref: string, digest: string | undefined): Promise<string[]> {
  const before = await podman.inspect(ref);
  await podman.run(['pull', '--quiet', ref]);
  const after = await podman.inspect(ref);
  if (!before) await podman.remove(ref).catch(() => undefined);
  if (digest && !hasDigest(after?.repoDigests ?? [], digest)) {
    throw new Error(`podman pulled ${ref} but its digest is not ${digest} (got ${(after?.repoDigests ?? []).join(', ') || 'none'})`);
  }
  return after?.repoDigests ?? [];
}

/** The directory podman takes a host's CAs from: the first that exists (docker_client.go dockerCertDir). */
async function certsDirFor(d: ContainersVerify, hostPort: string): Promise<string | undefined> {
  const { layout } = await d.snapshot();
  for (const dir of [layout.userCertsDir, layout.certsDir, layout.dockerCertsDir]) if (await d.files.exists(`${dir}/${hostPort}`)) return dir;
  return undefined;
}

/** The digest a [[registry.mirror]] serves for a Docker Hub image, asked anonymously as containers/image asks a mirror. */
async function mirrorDigest(s: VerifyState, d: ContainersVerify, mirror: PodmanMirror, path: string, tag: string): Promise<string> {
  const slash = mirror.Location.indexOf('/');
  const hostPort = slash < 0 ? mirror.Location : mirror.Location.slice(0, slash);
  // A location's path is a repository prefix for containers/image (rewriteReference), not a URL prefix.
  const repo = slash < 0 ? path : `${mirror.Location.slice(slash + 1).replace(/\/+$/, '')}/${path}`;
  const dir = await certsDirFor(d, hostPort);
  const cas = dir === undefined ? [] : (await certsDirCas(resolveHostPath(s.input.root, dir), hostPort)).caPems;
  // insecure = true: TLS without verification first, then plain HTTP (docker_client.go detectProperties).
  const attempts = mirror.Insecure ? [{ scheme: 'https', tls: { insecureSkipVerify: true } }, { scheme: 'http', tls: {} }] : [{ scheme: 'https', tls: { ca: [...s.systemPems, ...cas] } }];
  let last: Error | undefined;
  for (const a of attempts) {
    try {
      const head = await new RegistryClient({ baseUrl: `${a.scheme}://${hostPort}`, tls: a.tls, now: s.ports.clock.now }).headManifest(repo, tag);
      if (head.status === 200 && head.digest) return head.digest;
      last = new Error(`the mirror ${mirror.Location} does not serve ${repo}:${tag} (HTTP ${head.status})`);
    } catch (error) {
      last = error as Error;
    }
  }
  throw last!;
}

/** A Docker Hub image by its fully qualified name, through podman's docker.io mirrors, with proof the mirror served that digest. */
export const podmanMirrorPull = (d: ContainersVerify): Step<VerifyState> => ({
  name: 'podman-mirror-pull',
  async run(s) {
    if (d.podman === undefined) return { skipped: NO_PODMAN };
    const mirrors = (await d.podman.registries())['docker.io']?.Mirrors ?? [];
    if (mirrors.length === 0) return { skipped: 'podman has no mirror for docker.io' };
    const hub = hubRepository(s.input.hubImage);
    // Fully qualified: a short name would go through short-name resolution (aliases, search registries, a prompt).
    const ref = `docker.io/${hub.path}:${hub.tag}`;
    const failures: string[] = [];
    for (const mirror of mirrors) {
      let digest: string;
      try {
        digest = await mirrorDigest(s, d, mirror, hub.path, hub.tag);
      } catch (error) {
        failures.push(`${mirror.Location}: ${(error as Error).message}`);
        continue;
      }
      await pullAndCheck(d.podman, ref, digest);
      return { detail: `${ref} served by ${mirror.Location} (${digest.slice(0, 19)}…)` };
    }
    throw new Error(`no mirror served ${ref}: ${failures.join('; ')}`);
  },
});

/** Pull from the registry itself, with the credentials podman is configured with, when it holds the Docker Hub image. */
export const podmanRegistryPull = (d: ContainersVerify): Step<VerifyState> => ({
  name: 'podman-registry-pull',
  needs: ['registry-api'],
  async run(s) {
    if (d.podman === undefined) return { skipped: NO_PODMAN };
    const { registry } = s.input;
    const hub = hubRepository(s.input.hubImage);
    const head = await clientFor(s, registry).headManifest(hub.path, hub.tag);
    if (head.status === 404) return { skipped: `${registry.hostPort} holds no ${hub.path}:${hub.tag}; the push round trip proves pulls` };
    const ref = `${registry.hostPort}/${hub.path}:${hub.tag}`;
    await pullAndCheck(d.podman, ref, head.digest);
    return { detail: ref };
  },
});
