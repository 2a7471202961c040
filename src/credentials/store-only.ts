import { RegsetupError } from '../core/errors.js';
import { credentialKey } from '../core/docker-config-edit.js';
import { registerSecret } from '../core/redact.js';
import { parseRegistry } from '../core/registry-name.js';
import type { CredentialBackend } from './backend.js';
import { ensureHelperOnPath, type WrapperPorts } from './helper-wrapper.js';

/**
 * Credentials into regsetup's helper store with no Docker daemon to check them (a containerd or
 * podman node: join's preflight already asked the registry's own realm). The runtimes' files name
 * the helper (containers auth file) or kubelet's credential provider reads the same store.
 * Compared first: the same user and secret stored again is no change. `changed`: the store or the
 * wrapper on PATH was written.
 */
export async function storeInHelper(
  ports: WrapperPorts & { store: CredentialBackend },
  input: { registry: string; username: string; password: string; root: string; dockerConfigDir: string },
): Promise<{ changed: boolean }> {
  registerSecret(input.password, input.username);
  const key = credentialKey(parseRegistry(input.registry).hostPort);
  const helper = await ensureHelperOnPath(ports, { root: input.root, dockerConfigDir: input.dockerConfigDir });
  const current = await ports.store.get(key);
  if (current?.Username === input.username && current.Secret === input.password) return { changed: helper.installed };
  await ports.store.store({ ServerURL: key, Username: input.username, Secret: input.password });
  const back = await ports.store.get(key);
  if (back?.Secret !== input.password || back.Username !== input.username) {
    throw new RegsetupError('ERR_CREDENTIAL_STORE', `the credential helper did not give back what was stored for ${key}`, { hint: 'Run regsetup creds doctor.' });
  }
  return { changed: true };
}
