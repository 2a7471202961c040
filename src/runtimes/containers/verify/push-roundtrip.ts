import { buildTinyImage } from '../../../host/tiny-image.js';
import { clientFor, type VerifyState } from '../../../verify/state.js';
import { deleteTestTag, uniqueTag } from '../../../verify/test-tag.js';
import type { Step } from '../../../verify/types.js';
import { NO_PODMAN, type ContainersVerify } from './context.js';
import { pullAndCheck } from './pull.js';

/**
 * Import a tiny image made on the spot, push it with the credentials podman finds itself (the
 * auth files' credHelpers → docker-credential-regsetup), pull it back from the registry, compare
 * digests, then delete the test tag through the registry API.
 */
export const podmanPushRoundtrip = (d: ContainersVerify): Step<VerifyState> => ({
  name: 'podman-push-roundtrip',
  needs: ['push-access'],
  async run(s) {
    const podman = d.podman;
    if (podman === undefined) return { skipped: NO_PODMAN };
    const { registry, pushRegistry, pushRepo } = s.input;
    const tag = uniqueTag(s.ports.clock.now());
    const pushRef = `${pushRegistry.hostPort}/${pushRepo}:${tag}`;
    const pullRef = `${registry.hostPort}/${pushRepo}:${tag}`;
    const image = await buildTinyImage(`regsetup verify podman ${tag}`);
    let digest: string | undefined;
    try {
      await podman.run(['import', '--quiet', '-', pushRef], { input: image.layers[0]! });
      // Docker schema 2: older Nexus versions refuse OCI manifests.
      await podman.run(['push', '--quiet', '--format', 'v2s2', pushRef]);
      digest = (await clientFor(s, pushRegistry).headManifest(pushRepo, tag)).digest;
      if (!digest) throw new Error(`podman pushed ${pushRef}, but the registry has no manifest for it`);
      await podman.remove(pushRef);
      await pullAndCheck(podman, pullRef, digest);
    } finally {
      await podman.remove(pushRef).catch(() => undefined);
      await podman.remove(pullRef).catch(() => undefined);
    }
    const cleanup = await deleteTestTag(s, digest);
    return { detail: `podman pushed ${pushRef} with its own credentials, pulled it back from ${registry.hostPort} with the same digest; ${cleanup}` };
  },
});
