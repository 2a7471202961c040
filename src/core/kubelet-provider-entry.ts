import * as z from 'zod';
import { badInput } from './errors.js';
import { parseRegistry } from './registry-name.js';

// One provider of kubelet's CredentialProviderConfig (kubernetes
// staging/src/k8s.io/kubelet/config/v1/types.go: CredentialProvider; validated by
// pkg/credentialprovider/plugin/config.go validateCredentialProviderConfig).

export const KUBELET_CONFIG_API_VERSION = 'kubelet.config.k8s.io/v1';
/** The exec protocol version the provider speaks (credentialprovider/v1, GA in Kubernetes 1.26). */
export const PROVIDER_API_VERSION = 'credentialprovider.kubelet.k8s.io/v1';

/** metav1.Duration as JSON/YAML carry it: Go's time.Duration text (5m, 1h30m, 0s). */
export const goDuration = z.string().regex(/^(?:0|(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)$/, 'a Go duration such as 5m or 1h30m');

export interface ProviderEntry {
  /** The executable's file name in kubelet's --image-credential-provider-bin-dir. */
  name: string;
  matchImages: string[];
  defaultCacheDuration: string;
  apiVersion: string;
  args: string[];
}

export interface ProviderEntryInput {
  registry: string;
  pushRegistry?: string;
  /** Default "regsetup": the binary itself, linked into the bin dir. */
  name?: string;
  /** Default [kubelet-credential-provider], the hidden command that answers. */
  args?: string[];
  /** How long kubelet keeps an answer when the response names none. Default 5m. */
  defaultCacheDuration?: string;
}

/**
 * matchImages as kubelet matches them (pkg/credentialprovider URLsMatch): the same number of
 * host labels, each glob-matched; the pattern's path a prefix of the image's; and the ports
 * equal — "nexus.example.com" does not match nexus.example.com:8443/…, so each registry is
 * listed as the host[:port] images name it by, exactly.
 */
export function matchImageFor(registry: string): string {
  const { hostPort } = parseRegistry(registry);
  // Without a port, kubelet glob-matches "[::1]" itself, a character class that never matches.
  if (hostPort.startsWith('[') && hostPort.endsWith(']')) {
    throw badInput('ERR_KUBELET_MATCH_IMAGE', `kubelet cannot match images of ${hostPort}: an IPv6 registry needs a port there`, `Use ${hostPort}:443 (and name images by it).`);
  }
  return hostPort;
}

export function kubeletProviderEntry(input: ProviderEntryInput): ProviderEntry {
  const name = input.name ?? 'regsetup';
  if (name === '' || name === '.' || name === '..' || /[/\s]/.test(name)) {
    throw badInput('ERR_KUBELET_PROVIDER_NAME', `"${name}" cannot name a kubelet credential provider`, 'kubelet runs <bin-dir>/<name>: a file name without "/" or spaces.');
  }
  const defaultCacheDuration = input.defaultCacheDuration ?? '5m';
  if (!goDuration.safeParse(defaultCacheDuration).success) {
    throw badInput('ERR_KUBELET_CACHE_DURATION', `"${defaultCacheDuration}" is not a duration kubelet reads`, 'Give a Go duration such as 5m, 1h or 0s (0s: kubelet caches nothing).');
  }
  const matchImages = [...new Set([input.registry, ...(input.pushRegistry ? [input.pushRegistry] : [])].map(matchImageFor))];
  return { name, matchImages, defaultCacheDuration, apiVersion: PROVIDER_API_VERSION, args: input.args ?? ['kubelet-credential-provider'] };
}
