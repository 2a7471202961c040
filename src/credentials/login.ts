import { posix } from 'node:path';
import { badInput, refused, RegsetupError } from '../core/errors.js';
import { credentialKey, editDockerConfig, REGSETUP_HELPER } from '../core/docker-config-edit.js';
import { registerSecret } from '../core/redact.js';
import { parseRegistry } from '../core/registry-name.js';
import type { DockerApi } from '../host/docker-api.js';
import type { Files } from '../host/files.js';
import type { CredentialBackend } from './backend.js';
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
  helper: HelperOnPath;
}

const configPath = (dir: string) => posix.join(dir, 'config.json');

/** The docker CLI of another user would run the helper as that user, with that user's store. */
async function assertOwnConfigDir(files: Files, dir: string, uid: number): Promise<void> {
  const stat = await files.stat(dir);
  if (stat !== undefined && stat.uid !== uid) {
    throw refused(
      'ERR_DOCKER_CONFIG_OTHER_USER',
      `${dir} belongs to uid ${stat.uid}: its docker CLI would run the helper as that user, who cannot read a store made by uid ${uid}`,
      'Run regsetup login as the user whose Docker config it is (e.g. sudo -u USER -H regsetup login …).',
    );
  }
}

/**
 * The daemon proves the credentials (its TLS, certs.d and insecure rules, Bearer realms), then
 * they go into the helper, are read back, and only then does config.json name the helper and
 * lose its plaintext for that registry. Nothing is stored when the registry says no.
 */
export async function loginRegistry(ports: LoginPorts, input: LoginInput): Promise<LoginResult> {
  const { hostPort } = parseRegistry(input.registry);
  registerSecret(input.password, input.username);
  await assertOwnConfigDir(ports.files, input.dockerConfigDir, ports.uid);
  const auth = await ports.docker.checkAuth({ username: input.username, password: input.password, serveraddress: hostPort });
  if (!auth.ok) {
    const seen = auth.error ?? `status ${auth.status ?? 'unknown'}`;
    if (auth.status === '401' || /unauthori[sz]ed|incorrect username or password|authentication required/i.test(seen)) {
      throw badInput('ERR_AUTH_REJECTED', `${hostPort} rejected the credentials of ${input.username}: ${seen}`, 'Check the user name and the password; nothing was stored.');
    }
    throw refused('ERR_LOGIN_FAILED', `the Docker daemon could not log in to ${hostPort}: ${seen}`, 'Run `regsetup doctor ' + hostPort + '` to see why (TLS trust, network, clock); nothing was stored.');
  }
  const helper = await ensureHelperOnPath(ports, { root: input.root, dockerConfigDir: input.dockerConfigDir, ...(input.self ? { self: input.self } : {}) });
  const key = credentialKey(hostPort);
  await ports.store.store({ ServerURL: key, Username: input.username, Secret: input.password });
  const back = await ports.store.get(key);
  if (back?.Secret !== input.password || back.Username !== input.username) {
    throw new RegsetupError('ERR_CREDENTIAL_STORE', `the credential helper did not give back what was stored for ${key}`, { hint: 'Run regsetup creds doctor.' });
  }
  const path = configPath(input.dockerConfigDir);
  const before = await ports.files.readText(path);
  const edit = editDockerConfig(before, { setHelpers: { [key]: REGSETUP_HELPER }, removeAuths: [key] }, path);
  if (edit.changed) {
    if (before === undefined) await ports.files.mkdirp(input.dockerConfigDir, 0o700);
    await ports.files.writeAtomic(path, edit.text, before === undefined ? { mode: 0o600 } : {});
  }
  return { registry: hostPort, username: input.username, dockerConfig: path, backend: await backendName(ports.store), removedPlaintext: edit.removedAuths, configChanged: edit.changed, helper };
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
  const erased = await ports.store.erase(key);
  const path = configPath(input.dockerConfigDir);
  const before = await ports.files.readText(path);
  const edit = editDockerConfig(before, { removeHelpers: { keys: [key], helper: REGSETUP_HELPER } }, path);
  if (edit.changed) await ports.files.writeAtomic(path, edit.text);
  return { registry: hostPort, erased, configChanged: edit.changed };
}
