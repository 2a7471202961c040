import { badInput, ExitCode, isRegsetupError, refused, RegsetupError } from '../core/errors.js';
import { credentialKey, editDockerConfig, REGSETUP_HELPER } from '../core/docker-config-edit.js';
import { registerSecret } from '../core/redact.js';
import { parseRegistry } from '../core/registry-name.js';
import type { DockerApi } from '../host/docker-api.js';
import type { Files } from '../host/files.js';
import type { CredentialBackend, HelperCredential } from './backend.js';
import { changedSince, configPath, readConfigFile, withConfigLock } from './docker-config-file.js';
import { ensureHelperOnPath, type HelperCommand, type HelperOnPath } from './helper-wrapper.js';

export interface LoginPorts {
  /** Under --root; every path below is a host path. */
  files: Files;
  docker: Pick<DockerApi, 'checkAuth'>;
  /** regsetup's credential store (credentialStore(...)). */
  store: CredentialBackend;
  env: NodeJS.ProcessEnv;
  uid: number;
}

export interface LoginInput {
  registry: string;
  username: string;
  password: string;
  /** Host path of the Docker config directory (DOCKER_CONFIG, --docker-config or ~/.docker). */
  dockerConfigDir: string;
  root: string;
  /** Which Node and helper script the PATH wrapper runs; this install by default. */
  self?: HelperCommand;
}

export interface LoginResult {
  registry: string;
  username: string;
  dockerConfig: string;
  /** The helper's backend: "file", "pass", … */
  backend: string;
  /** auths keys whose plaintext was removed. */
  removedPlaintext: string[];
  configChanged: boolean;
  /** The helper's store was written; false when it already held this user and password. */
  stored: boolean;
  helper: HelperOnPath;
}

/** Whether a login changed anything on the host: the store, config.json, or the wrapper on PATH. */
export const loginChanged = (r: Pick<LoginResult, 'stored' | 'configChanged' | 'helper'>): boolean => r.stored || r.configChanged || r.helper.installed;

/**
 * config.json is read and checked (owner, symlinks, every byte parsed, the edit worked out)
 * before anything else; then the daemon proves the credentials (its TLS, certs.d and insecure
 * rules, Bearer realms); then they go into the helper, are read back, and only then does
 * config.json name the helper and lose its plaintext for that registry. Nothing is stored when
 * any of that refuses, and a failure after the store puts the store back as it was. The same user
 * and password as the helper holds are not stored again: sealing anew would rewrite the store
 * (a fresh nonce) on every run of an unchanged join.
 */
export async function loginRegistry(ports: LoginPorts, input: LoginInput): Promise<LoginResult> {
  const { hostPort } = parseRegistry(input.registry);
  registerSecret(input.password, input.username);
  const key = credentialKey(hostPort);
  const change = { setHelpers: { [key]: REGSETUP_HELPER }, removeAuths: [key] };
  const file = await readConfigFile(ports.files, input.dockerConfigDir, ports.uid);
  editDockerConfig(file.bytes, change, file.path);
  // Read first: a store we cannot read (corrupt, foreign, too open) refuses before the daemon is asked.
  await ports.store.get(key);
  const auth = await ports.docker.checkAuth({ username: input.username, password: input.password, serveraddress: hostPort });
  if (!auth.ok) {
    const seen = auth.error ?? `status ${auth.status ?? 'unknown'}`;
    if (auth.status === '401' || /unauthori[sz]ed|incorrect username or password|authentication required/i.test(seen)) {
      throw badInput('ERR_AUTH_REJECTED', `${hostPort} rejected the credentials of ${input.username}: ${seen}`, 'Check the user name and the password; nothing was stored.');
    }
    throw refused('ERR_LOGIN_FAILED', `the Docker daemon could not log in to ${hostPort}: ${seen}`, 'Run `regsetup doctor ' + hostPort + '` to see why (TLS trust, network, clock); nothing was stored.');
  }
  // Under the lock: another regsetup's login, logout or migrate of this config waits, so neither loses the other's entries.
  return withConfigLock(ports.files, input.dockerConfigDir, async () => {
    const helper = await ensureHelperOnPath(ports, { root: input.root, dockerConfigDir: input.dockerConfigDir, ...(input.self ? { self: input.self } : {}) });
    // What a concurrent login of the same registry stored meanwhile is what a failure puts back,
    // and what is compared: the same user and password are not sealed again.
    const before = await ports.store.get(key);
    const stored = before?.Username !== input.username || before.Secret !== input.password;
    let edit: ReturnType<typeof editDockerConfig>;
    try {
      if (stored) {
        await ports.store.store({ ServerURL: key, Username: input.username, Secret: input.password });
        const back = await ports.store.get(key);
        if (back?.Secret !== input.password || back.Username !== input.username) {
          throw new RegsetupError('ERR_CREDENTIAL_STORE', `the credential helper did not give back what was stored for ${key}`, { hint: 'Run regsetup creds doctor.' });
        }
      }
      // Something that is not regsetup (the docker CLI) may have written config.json since it was checked: edit what is there now.
      const current = (await changedSince(ports.files, file)) ? await readConfigFile(ports.files, input.dockerConfigDir, ports.uid) : file;
      edit = editDockerConfig(current.bytes, change, file.path);
      if (edit.changed) {
        if (current.bytes === undefined) await ports.files.mkdirp(input.dockerConfigDir, 0o700);
        await ports.files.writeAtomic(file.path, edit.bytes, current.bytes === undefined ? { mode: 0o600 } : {});
      }
    } catch (error) {
      return putBack(ports.store, key, before, error);
    }
    return { registry: hostPort, username: input.username, dockerConfig: file.path, backend: await backendName(ports.store), removedPlaintext: edit.removedAuths, configChanged: edit.changed, stored, helper };
  });
}

/** Undo this login's store after a later step failed: the old credential back, or none. */
async function putBack(store: CredentialBackend, key: string, previous: Omit<HelperCredential, 'ServerURL'> | undefined, cause: unknown): Promise<never> {
  const what = cause instanceof Error ? cause.message : String(cause);
  try {
    if (previous === undefined) await store.erase(key);
    else await store.store({ ServerURL: key, ...previous });
  } catch (error) {
    throw new RegsetupError('ERR_ROLLBACK_FAILED', `${what}; putting the credential store back failed too: ${(error as Error).message}`, {
      hint: `Check the store with regsetup creds doctor and erase ${key} there if it is still listed.`,
      cause: error,
      exitCode: ExitCode.unexpected,
    });
  }
  throw new RegsetupError(isRegsetupError(cause) ? cause.code : 'ERR_LOGIN_FAILED', `${what}. The credential store was put back as it was; config.json is unchanged.`, {
    hint: isRegsetupError(cause) ? cause.hint : undefined,
    cause,
    exitCode: ExitCode.rolledBack,
  });
}

async function backendName(store: CredentialBackend): Promise<string> {
  const config = await (store as { config?: () => Promise<{ backend: string; helper?: string } | undefined> }).config?.();
  return config === undefined ? store.name : config.backend === 'helper' ? config.helper! : config.backend;
}

export interface LogoutResult {
  registry: string;
  erased: boolean;
  configChanged: boolean;
}

/** For `leave`: erase what login stored and drop the credHelpers entry while it still names regsetup. */
export async function logoutRegistry(ports: Pick<LoginPorts, 'files' | 'store'>, input: { registry: string; dockerConfigDir: string }): Promise<LogoutResult> {
  const { hostPort } = parseRegistry(input.registry);
  const key = credentialKey(hostPort);
  return withConfigLock(ports.files, input.dockerConfigDir, async () => {
    const erased = await ports.store.erase(key);
    const path = configPath(input.dockerConfigDir);
    const edit = editDockerConfig(await ports.files.readBytes(path), { removeHelpers: { keys: [key], helper: REGSETUP_HELPER } }, path);
    if (edit.changed) await ports.files.writeAtomic(path, edit.bytes);
    return { registry: hostPort, erased, configChanged: edit.changed };
  });
}
