import { parseDaemonJson } from '../../../core/daemon-json.js';
import type { VerifyState } from '../../../verify/state.js';
import type { Step, StepOutcome } from '../../../verify/types.js';
import { expectedFrom, mismatches } from '../confirm.js';
import { daemonInfo, type DockerVerify } from './context.js';

/**
 * What the running daemon uses (`docker info`) against what daemon.json says: a failed reload is
 * only logged by dockerd. The comparison is confirm.ts's — the same one apply waits for.
 */
export async function daemonConfigOutcome(d: Pick<DockerVerify, 'daemonJsonPath' | 'files' | 'daemon'>): Promise<StepOutcome> {
  const info = await daemonInfo(d);
  const path = d.daemonJsonPath;
  const text = await d.files.readText(path);
  if (text === undefined) return { detail: `${path} does not exist; the daemon runs on defaults` };
  const problems = mismatches(info, expectedFrom(undefined, text));
  if (problems.length > 0) {
    return {
      failed: {
        id: 'daemon-not-reloaded',
        seen: `the running dockerd does not use what ${path} says: ${problems.join('; ')}`,
        cause: `The running dockerd does not use what ${path} says: it was not reloaded since the file changed, or the reload failed (dockerd only logs "Error reloading configuration").`,
        fix: 'Reload it: `systemctl reload docker` (or `kill -HUP $(pidof dockerd)`), then look for "reload" errors in `journalctl -u docker` or the dockerd log; `regsetup join` reloads and confirms for you.',
      },
    };
  }
  const file = parseDaemonJson(text, path);
  const insecure = Array.isArray(file['insecure-registries']) ? file['insecure-registries'].length : 0;
  return { detail: `mirrors [${info.mirrors.join(', ')}] and ${insecure} insecure entr${insecure === 1 ? 'y' : 'ies'} match ${path}` };
}

export const daemonConfig = (d: DockerVerify): Step<VerifyState> => ({
  name: 'daemon-config',
  run: () => daemonConfigOutcome(d),
});
