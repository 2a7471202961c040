import { join } from 'node:path';
import { homedir } from 'node:os';
import { credentialSourceFor, parseDockerConfig } from '../core/docker-config.js';
import { registerSecret } from '../core/redact.js';
import type { Files } from './files.js';
import { run } from './processes.js';

export interface Credentials {
  username: string;
  password: string;
}

/** $DOCKER_CONFIG, else ~/.docker — as the docker CLI decides. */
export function dockerConfigDir(env: NodeJS.ProcessEnv, override?: string): string {
  return override ?? env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker');
}

/** What the user's Docker config would send for host[:port]: from its helper, or its plaintext auths. */
export async function lookupCredentials(files: Files, configDir: string, hostPort: string): Promise<Credentials | undefined> {
  const path = join(configDir, 'config.json');
  const source = credentialSourceFor(parseDockerConfig(await files.readText(path), path), hostPort);
  if (source.kind === 'none') return undefined;
  if (source.kind === 'plaintext') {
    registerSecret(source.password, source.username);
    return { username: source.username, password: source.password };
  }
  const result = await run(`docker-credential-${source.helper}`, ['get'], { input: hostPort, timeoutMs: 10_000 });
  if (result.exitCode !== 0) return undefined; // "credentials not found in native keychain", or a broken helper
  const parsed = JSON.parse(result.stdout) as { Username?: string; Secret?: string };
  if (!parsed.Username || parsed.Secret === undefined) return undefined;
  registerSecret(parsed.Secret, parsed.Username);
  return { username: parsed.Username, password: parsed.Secret };
}
