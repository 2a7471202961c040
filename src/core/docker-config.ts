import * as z from 'zod';
import { refused } from './errors.js';

/** ~/.docker/config.json: only the keys regsetup reads are checked; the rest passes through untouched. */
export const dockerConfigSchema = z
  .object({
    auths: z.record(z.string(), z.object({ auth: z.string().optional(), identitytoken: z.string().optional() }).loose()).optional(),
    credsStore: z.string().optional(),
    credHelpers: z.record(z.string(), z.string()).optional(),
  })
  .loose();
export type DockerConfig = z.infer<typeof dockerConfigSchema>;

export function parseDockerConfig(text: string | undefined, path: string): DockerConfig {
  if (text === undefined || text.trim() === '') return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw refused('ERR_DOCKER_CONFIG_MALFORMED', `${path} is not valid JSON: ${(error as Error).message}`, 'Fix or move the file; regsetup will not rewrite a file it cannot read.');
  }
  const parsed = dockerConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw refused('ERR_DOCKER_CONFIG_MALFORMED', `${path}: ${problems}`, 'Fix or move the file; regsetup will not rewrite a file it cannot read.');
  }
  return parsed.data;
}

/** Docker keys Docker Hub as its v1 index URL; everything else by host[:port]. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/** The host[:port] an `auths` key stands for (`https://r.example/v1/` → `r.example`), as docker/cli's ConvertToHostname. */
export function authKeyHost(key: string): string {
  const stripped = key.replace(/^https?:\/\//, '');
  return stripped.split('/')[0]!.toLowerCase();
}

export type CredentialSource =
  | { kind: 'helper'; helper: string; via: 'credHelpers' | 'credsStore' }
  | { kind: 'plaintext'; key: string; username: string; password: string }
  | { kind: 'none' };

/** Which store docker/cli would ask for host[:port]: credHelpers wins over credsStore, which wins over auths. */
export function credentialSourceFor(config: DockerConfig, hostPort: string): CredentialSource {
  const host = hostPort.toLowerCase();
  const helper = Object.entries(config.credHelpers ?? {}).find(([key]) => authKeyHost(key) === host)?.[1];
  if (helper) return { kind: 'helper', helper, via: 'credHelpers' };
  if (config.credsStore) return { kind: 'helper', helper: config.credsStore, via: 'credsStore' };
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (authKeyHost(key) !== host || !entry.auth) continue;
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { kind: 'plaintext', key, username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return { kind: 'none' };
}
