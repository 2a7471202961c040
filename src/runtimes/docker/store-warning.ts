import type { ResolvedDesired } from '../../core/plan-types.js';
import type { DockerSnapshot } from './snapshot.js';

/** [major, minor, patch] of "29.4.2", "v29.5.0-rc.1"; a pre-release counts as before its release. */
function versionOf(text: string): number[] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(-)?/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]) - (m[4] ? 0.5 : 0)] : undefined;
}

const before = (a: number[], b: number[]) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;

/**
 * Before 29.5.0 the containerd image store asked a registry's token service without the host's
 * CA or insecure setting (moby PR #52600, daemon/containerd/resolver.go): anonymous checks pass
 * while an authenticated pull or push fails. Only an authenticated pull and push prove it.
 */
/** Does a containerd image store of this engine version ask token services without the host's CA (before 29.5.0; unknown counts)? */
export function storeTokenIgnoresCa(serverVersion: string | undefined): boolean {
  const version = versionOf(serverVersion ?? '');
  return version === undefined || before(version, [29, 5, 0]) < 0;
}

export function storeWarnings(s: DockerSnapshot, desired: ResolvedDesired): string[] {
  if (!s.dockerd.containerdStore || !storeTokenIgnoresCa(s.dockerd.version)) return [];
  if (desired.caPems.length === 0 && !desired.insecure) return [];
  return [
    `dockerd ${s.dockerd.version ?? '(version unknown)'} uses the containerd image store, which before 29.5.0 asks the registry's token service without ${desired.insecure ? 'the insecure setting' : 'its CA'} (moby PR #52600): ` +
      `anonymous checks pass while an authenticated pull or push fails. Give --username and a password so verify pulls and pushes with them, or upgrade dockerd to 29.5.0 or later.`,
  ];
}
