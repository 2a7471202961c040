import { formatOffset, measureSkew, skewVerdict } from '../core/clock-skew.js';
import type { DesiredState } from '../core/desired-state.js';
import { badInput, isRegsetupError, refused } from '../core/errors.js';
import { uniquePairs, UPSTREAM_DOCKER_HUB, type MirrorPair } from '../core/mirrors.js';
import { normalizeMirrorUrl, type RegistryRef } from '../core/registry-name.js';
import type { HttpTlsOptions } from '../host/http.js';
import { RegistryClient } from '../host/registry-client.js';
import { hubRepository } from '../verify/image-ref.js';

/** Where and how to reach a registry once the CA decision is made. */
export interface Reach {
  baseUrl: string;
  tls: HttpTlsOptions;
}

/** An insecure registry, the way dockerd tries it: HTTPS without verification, then plain HTTP. */
export async function reachFor(ref: RegistryRef, insecure: boolean, trusted: string[], now: () => number): Promise<Reach> {
  if (!insecure) return { baseUrl: `https://${ref.hostPort}`, tls: { ca: trusted } };
  const tls = { insecureSkipVerify: true };
  const https = await new RegistryClient({ baseUrl: `https://${ref.hostPort}`, tls, now }).ping().then(() => true, () => false);
  return https ? { baseUrl: `https://${ref.hostPort}`, tls } : { baseUrl: `http://${ref.hostPort}`, tls: {} };
}

/** Refuses (exit 4) when the registry's clock and ours disagree by more than the limit: TLS and tokens would fail. */
export async function checkClock(ref: RegistryRef, reach: Reach, desired: DesiredState, now: () => number): Promise<number | undefined> {
  const ping = await new RegistryClient({ ...reach, now }).ping().catch((error: Error) => {
    throw refused('ERR_REGISTRY_UNREACHABLE', `${ref.hostPort} does not answer as a registry: ${error.message}`, 'Check the name, the port and the network path; nothing was changed.');
  });
  if (!ping.date) return undefined;
  const skew = measureSkew({ ...ping.timing, serverDate: ping.date });
  if (skewVerdict(skew.offsetMs, skew.uncertaintyMs, desired.maxClockSkewSeconds) === 'skewed') {
    throw refused(
      'ERR_CLOCK_SKEW',
      `the clock of ${ref.hostPort} is ${formatOffset(skew.offsetMs)} from this host's (limit ${desired.maxClockSkewSeconds}s); certificates and tokens would fail`,
      'Fix this host\'s clock first: `timedatectl set-ntp true` (systemd-timesyncd) or `chronyc makestep` (chrony). Nothing was changed.',
    );
  }
  return skew.offsetMs;
}

/**
 * `--mirror auto|none|URL`: auto adds the registry itself only when it really serves Docker Hub
 * content, probed anonymously as dockerd asks a mirror (a library/ manifest).
 */
export async function resolveMirrors(desired: DesiredState, reach: Reach, hubImage: string, now: () => number): Promise<{ mirrors: MirrorPair[]; note?: string }> {
  const mirrors: MirrorPair[] = [];
  let note: string | undefined;
  for (const m of desired.mirrors) {
    if (m === 'none') continue;
    if (m !== 'auto') {
      mirrors.push({ upstream: UPSTREAM_DOCKER_HUB, url: normalizeMirrorUrl(m) });
      continue;
    }
    const hub = hubRepository(hubImage);
    const head = await new RegistryClient({ ...reach, now }).headManifest(hub.path, hub.tag).catch((error: Error) => ({ status: 0, error }));
    if (head.status === 200) mirrors.push({ upstream: UPSTREAM_DOCKER_HUB, url: normalizeMirrorUrl(reach.baseUrl) });
    else note = `--mirror auto: ${reach.baseUrl} does not serve ${hub.path}:${hub.tag} anonymously, so it is not added as a Docker Hub mirror`;
  }
  return { mirrors: uniquePairs([...mirrors, ...desired.mirrorFor]), ...(note ? { note } : {}) };
}

/**
 * Wrong credentials are refused before anything changes: asked of the registry itself (its Basic
 * or Bearer realm) with the CA about to be installed. The daemon's own check follows after apply.
 */
export async function checkCredentials(ref: RegistryRef, reach: Reach, credentials: { username: string; password: string }, repo: string, now: () => number): Promise<void> {
  try {
    await new RegistryClient({ ...reach, credentials, now }).authenticate([`repository:${repo}:pull`]);
  } catch (error) {
    if (isRegsetupError(error) && error.code === 'ERR_AUTH_REJECTED') {
      throw badInput('ERR_AUTH_REJECTED', `${ref.hostPort} rejected the credentials of ${credentials.username}: ${error.message}`, 'Check the user name and the password; nothing was changed.');
    }
    // Anything else (no realm, a realm out of reach) is for the verification to diagnose.
  }
}
