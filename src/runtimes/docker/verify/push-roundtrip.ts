import { buildTinyImage } from '../../../host/tiny-image.js';
import type { VerifyState } from '../../../verify/state.js';
import { deleteTestTag, uniqueTag } from '../../../verify/test-tag.js';
import type { Step } from '../../../verify/types.js';
import { daemonInfo, type DockerVerify } from './context.js';
import { authFor, pullAndCheck } from './daemon-pull.js';

export { uniqueTag };

/**
 * 6. Push a tiny image made on the spot to the push endpoint, pull it back from the registry (as a Nexus
 * group serves what its hosted member holds), compare digests, then delete the test tag again.
 */
export const pushRoundtrip = (d: DockerVerify): Step<VerifyState> => ({
  name: 'push-roundtrip',
  needs: ['push-access'],
  async run(s) {
    const { docker } = d;
    await daemonInfo(d);
    const { registry, pushRegistry, pushRepo } = s.input;
    const tag = uniqueTag(s.ports.clock.now());
    const pushRef = `${pushRegistry.hostPort}/${pushRepo}:${tag}`;
    const pullRef = `${registry.hostPort}/${pushRepo}:${tag}`;
    const image = await buildTinyImage(`regsetup verify ${tag}`);
    let digest: string | undefined;
    try {
      await docker.importImage(image.layers[0]!, `${pushRegistry.hostPort}/${pushRepo}`, tag);
      digest = (await docker.push(pushRef, authFor(s, pushRegistry.hostPort))).digest;
      if (!digest) throw new Error(`push of ${pushRef} reported no digest`);
      await docker.removeImage(pushRef, { force: true });
      await pullAndCheck(d, pullRef, authFor(s, registry.hostPort), digest);
    } finally {
      await docker.removeImage(pushRef, { force: true }).catch(() => false);
      await docker.removeImage(pullRef, { force: true }).catch(() => false);
    }
    const cleanup = await deleteTestTag(s, digest);
    return { detail: `pushed ${pushRef}, pulled back from ${registry.hostPort} with the same digest; ${cleanup}` };
  },
});
