import * as z from 'zod';
import { credentialKey } from '../core/docker-config-edit.js';
import { badInput, isRegsetupError } from '../core/errors.js';
import { goDuration, PROVIDER_API_VERSION } from '../core/kubelet-provider-entry.js';
import { redact } from '../core/redact.js';
import type { CredentialBackend } from './backend.js';

// kubelet's credential-provider exec plugin protocol, credentialprovider.kubelet.k8s.io/v1
// (kubernetes staging/src/k8s.io/kubelet/pkg/apis/credentialprovider/v1/types.go; kubelet side:
// pkg/credentialprovider/plugin/plugin.go). kubelet writes a CredentialProviderRequest to stdin,
// reads a CredentialProviderResponse from stdout, and treats a non-zero exit as a failure
// (stderr goes into its log). It decodes the response strictly: unknown fields are an error.

export const providerRequestSchema = z.object({
  apiVersion: z.literal(PROVIDER_API_VERSION),
  kind: z.literal('CredentialProviderRequest'),
  /** kubelet sends the repository it pulls, normalised: docker.io/library/nginx, r.example:5000/team/app. */
  image: z.string().min(1).refine((s) => !/\s/.test(s), 'contains whitespace'),
  // Sent only to providers configured with tokenAttributes (ours is not); accepted, never used or logged.
  serviceAccountToken: z.string().optional(),
  serviceAccountAnnotations: z.record(z.string(), z.string()).optional(),
});
export type ProviderRequest = z.infer<typeof providerRequestSchema>;

export const providerResponseSchema = z
  .object({
    apiVersion: z.literal(PROVIDER_API_VERSION),
    kind: z.literal('CredentialProviderResponse'),
    /** Registry: kubelet caches the answer for the image's host[:port] (its parseRegistry). */
    cacheKeyType: z.enum(['Image', 'Registry', 'Global']),
    /** Absent: the config's defaultCacheDuration; "0s": not cached at all. */
    cacheDuration: goDuration.optional(),
    /** Match key (host[:port][/path], globs in the host) → credentials for images it matches. */
    auth: z.record(z.string(), z.object({ username: z.string(), password: z.string() }).strict()),
  })
  .strict();
export type ProviderResponse = z.infer<typeof providerResponseSchema>;

/**
 * The registry host[:port] of an image, as docker's reference parsing splits it
 * (distribution/reference splitDockerDomain): the first path component is a host when it has a
 * dot or a colon, is "localhost", or has upper-case letters; otherwise the image is Docker Hub's.
 */
export function imageRegistry(image: string): string {
  const slash = image.indexOf('/');
  const first = slash === -1 ? '' : image.slice(0, slash);
  const isHost = first !== '' && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  if (!isHost) return 'docker.io';
  return first === 'index.docker.io' ? 'docker.io' : first;
}

export interface ProviderAnswer {
  stdout: string;
  /** Notes and errors for kubelet's log; never a secret. */
  stderr: string;
  exitCode: number;
}

const respond = (auth: ProviderResponse['auth'], cacheDuration?: string): string => {
  const response: ProviderResponse = providerResponseSchema.parse({
    apiVersion: PROVIDER_API_VERSION,
    kind: 'CredentialProviderResponse',
    cacheKeyType: 'Registry',
    ...(cacheDuration === undefined ? {} : { cacheDuration }),
    auth,
  });
  return `${JSON.stringify(response)}\n`;
};

function parseRequest(input: string): ProviderRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(input);
  } catch {
    throw badInput('ERR_KUBELET_REQUEST', 'the request on stdin is not JSON', 'kubelet writes a CredentialProviderRequest (credentialprovider.kubelet.k8s.io/v1) on stdin.');
  }
  const parsed = providerRequestSchema.safeParse(raw);
  if (!parsed.success) {
    // Field paths and zod's words only: the request may carry a service account token.
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ');
    throw badInput('ERR_KUBELET_REQUEST', `not a CredentialProviderRequest: ${problems}`, `Configure the provider with apiVersion: ${PROVIDER_API_VERSION}.`);
  }
  return parsed.data;
}

/**
 * Answer one kubelet request from regsetup's credential store (what docker-credential-regsetup
 * serves). Nothing stored for the registry: an empty auth map, exit 0, not cached, so a later
 * `regsetup join` takes effect at the next pull. Never throws.
 */
export async function answerKubelet(input: string, store: Pick<CredentialBackend, 'get'>): Promise<ProviderAnswer> {
  try {
    const request = parseRequest(input);
    const registry = imageRegistry(request.image);
    const found = await store.get(credentialKey(registry));
    if (found === undefined) return { stdout: respond({}, '0s'), stderr: '', exitCode: 0 };
    if (found.Username === '<token>') {
      // An identity (refresh) token is not a password, and kubelet's AuthConfig has nothing else.
      const note = `regsetup holds an identity token for ${registry}, which kubelet cannot pass on; answered with no credentials\n`;
      return { stdout: respond({}, '0s'), stderr: note, exitCode: 0 };
    }
    return { stdout: respond({ [registry]: { username: found.Username, password: found.Secret } }), stderr: '', exitCode: 0 };
  } catch (error) {
    const known = isRegsetupError(error) ? error : undefined;
    const message = known ? `error ${known.code}: ${known.message}${known.hint ? ` (${known.hint})` : ''}` : `error: ${redact(error instanceof Error ? error.message : String(error))}`;
    return { stdout: '', stderr: `regsetup kubelet-credential-provider: ${message}\n`, exitCode: known?.exitCode ?? 1 };
  }
}
