import type { AuthConfig } from '../../../host/docker-api.js';
import { resolveHostPath } from '../../../host/host-path.js';
import { hasDigest, hubRepository } from '../../../verify/image-ref.js';
import { probeMirror } from '../../../verify/mirror-probe.js';
import { clientFor, type VerifyState } from '../../../verify/state.js';
import type { Step } from '../../../verify/types.js';
import { daemonInfo, type DockerVerify } from './context.js';

export function authFor(s: VerifyState, hostPort: string): AuthConfig | undefined {
  const c = s.credentials.get(hostPort);
  return c ? { username: c.username, password: c.password, serveraddress: hostPort } : undefined;
}

/** Pulls through the daemon, then removes the image again unless it was there before: verify leaves no trace. */
export async function pullAndCheck(d: DockerVerify, ref: string, auth: AuthConfig | undefined, digest: string | undefined): Promise<string[]> {
  const before = await d.docker.inspectImage(ref);
  await d.docker.pull(ref, auth);
  const after = await d.docker.inspectImage(ref);
  if (!before) await d.docker.removeImage(ref).catch(() => false);
  if (digest && !hasDigest(after?.repoDigests ?? [], digest)) {
    throw new Error(`pulled ${ref} but its digest is not ${digest} (got ${(after?.repoDigests ?? []).join(', ') || 'none'})`);
  }
  return after?.repoDigests ?? [];
}

/** The manifest digest a mirror serves for a Docker Hub image, asked anonymously as dockerd asks a mirror. */
async function mirrorDigest(s: VerifyState, d: DockerVerify, mirror: string, path: string, tag: string): Promise<string> {
  const ports = { certsRoot: resolveHostPath(s.input.root, d.certsDir), systemPems: s.systemPems, now: s.ports.clock.now };
  const head = await probeMirror(ports, mirror, path, tag);
  if (head.status !== 200 || !head.digest) throw new Error(`the mirror ${mirror} does not serve ${path}:${tag} (HTTP ${head.status})`);
  return head.digest;
}

/** 5a. A Docker Hub image by its short name, through the mirrors — and proof the mirror served it, not a fallback. */
export const mirrorPull = (d: DockerVerify): Step<VerifyState> => ({
  name: 'mirror-pull',
  async run(s) {
    const info = await daemonInfo(d);
    if (info.mirrors.length === 0) return { skipped: 'the daemon has no registry-mirrors' };
    const hub = hubRepository(s.input.hubImage);
    const failures: string[] = [];
    for (const mirror of info.mirrors) {
      let digest: string;
      try {
        digest = await mirrorDigest(s, d, mirror, hub.path, hub.tag);
      } catch (error) {
        failures.push((error as Error).message);
        continue;
      }
      await pullAndCheck(d, hub.short, undefined, digest);
      return { detail: `${hub.short} served by ${mirror} (${digest.slice(0, 19)}…)` };
    }
    throw new Error(`no mirror served ${hub.short}: ${failures.join('; ')}`);
  },
});

/** 5b. Pull from the registry itself, with the user's credentials, when it holds the Docker Hub image (a proxy or group). */
export const registryPull = (d: DockerVerify): Step<VerifyState> => ({
  name: 'registry-pull',
  needs: ['registry-api'],
  async run(s) {
    await daemonInfo(d);
    const { registry } = s.input;
    const hub = hubRepository(s.input.hubImage);
    const head = await clientFor(s, registry).headManifest(hub.path, hub.tag);
    if (head.status === 404) return { skipped: `${registry.hostPort} holds no ${hub.path}:${hub.tag}; the push round trip proves pulls` };
    const ref = `${registry.hostPort}/${hub.path}:${hub.tag}`;
    await pullAndCheck(d, ref, authFor(s, registry.hostPort), head.digest);
    return { detail: ref };
  },
});
