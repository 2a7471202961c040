import { posix } from 'node:path';
import { authKeyHost, parseDockerConfig, type DockerConfig } from '../core/docker-config.js';
import type { Files } from '../host/files.js';
import type { Processes } from '../host/processes.js';
import type { CredentialsReport, HelperState } from './credentials-report.js';

export interface InspectIo {
  /** Reads host paths (already under --root). */
  files: Files;
  /** Finds binaries on PATH (the real filesystem: PATH is this process's). */
  pathFiles: Files;
  processes: Processes;
  env: NodeJS.ProcessEnv;
  /** The Docker config directory (DOCKER_CONFIG or ~/.docker), a host path. */
  configDir: string;
}

async function which(io: InspectIo, name: string): Promise<string | undefined> {
  for (const dir of (io.env.PATH ?? '').split(':').filter(Boolean)) {
    const path = posix.join(dir, name);
    const stat = await io.pathFiles.stat(path).catch(() => undefined);
    if (stat && !stat.isDirectory && (stat.mode & 0o111) !== 0) return path;
  }
  return undefined;
}

/** docker/cli's ContainsAuth: only a config without any of these gets the platform's default store. */
const containsAuth = (c: DockerConfig) => Boolean(c.credsStore) || Object.keys(c.credHelpers ?? {}).length > 0 || Object.keys(c.auths ?? {}).length > 0;

function plaintextEntries(config: DockerConfig): CredentialsReport['plaintext'] {
  return Object.entries(config.auths ?? {}).flatMap(([key, entry]) => {
    if (!entry.auth) return [];
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    return [{ key, host: authKeyHost(key), username: decoded.slice(0, Math.max(0, decoded.indexOf(':'))) }];
  });
}

/** The user's Docker config and the helpers it names, each asked to `list` (a helper found is not a helper that works). */
export async function inspectCredentials(io: InspectIo): Promise<CredentialsReport> {
  const configPath = posix.join(io.configDir, 'config.json');
  const storeDir = io.env.PASSWORD_STORE_DIR || posix.join(io.env.HOME || '/root', '.password-store');
  const passPath = await which(io, 'pass');
  const passHelper = await which(io, 'docker-credential-pass');
  const pass = { installed: passPath !== undefined, initialised: passPath !== undefined && (await io.pathFiles.exists(posix.join(storeDir, '.gpg-id'))), helperInstalled: passHelper !== undefined, storeDir };
  let config: DockerConfig;
  try {
    config = parseDockerConfig(await io.files.readText(configPath), configPath);
  } catch (error) {
    return { configPath, configError: (error as Error).message, plaintext: [], helpers: [], pass: { ...pass, usedByDocker: false } };
  }
  const serves = new Map<string, string[]>();
  if (config.credsStore) serves.set(config.credsStore, ['credsStore']);
  for (const [key, helper] of Object.entries(config.credHelpers ?? {})) serves.set(helper, [...(serves.get(helper) ?? []), authKeyHost(key)]);
  const helpers: HelperState[] = [];
  for (const [name, list] of serves) {
    const path = await which(io, `docker-credential-${name}`);
    if (path === undefined) {
      helpers.push({ name, serves: list });
      continue;
    }
    const r = await io.processes.run(path, ['list'], { timeoutMs: 15_000 });
    helpers.push({ name, serves: list, path, working: r.exitCode === 0, ...(r.exitCode === 0 ? {} : { error: (r.stdout || r.stderr).trim().slice(0, 500) }) });
  }
  const usedByDocker = serves.has('pass') || (!containsAuth(config) && pass.installed && pass.helperInstalled);
  return { configPath, plaintext: plaintextEntries(config), helpers, pass: { ...pass, usedByDocker } };
}
