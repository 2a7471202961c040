import { authKeyHost, DOCKER_HUB_AUTH_KEY, readDockerConfig, type DockerConfig } from './docker-config.js';
import { refused } from './errors.js';
import { decodeView, viewBytes } from './json-bytes.js';
import { editJsonView, type JsonEdit } from './json-edit.js';

/** The helper name regsetup registers in credHelpers (docker runs docker-credential-<name>). */
export const REGSETUP_HELPER = 'regsetup';

const HUB_HOSTS = new Set(['index.docker.io', 'docker.io', 'registry-1.docker.io']);

/**
 * The key docker/cli uses for a registry in credHelpers and for its helper's ServerURL:
 * host[:port], except Docker Hub, which it keys by its v1 index URL.
 */
export function credentialKey(registryOrAuthKey: string): string {
  const host = authKeyHost(registryOrAuthKey);
  return HUB_HOSTS.has(host) ? DOCKER_HUB_AUTH_KEY : host;
}

/** Keys of `section` (auths or credHelpers) that stand for the same registry as `key`. */
export function keysFor(section: Record<string, unknown> | undefined, key: string): string[] {
  const want = credentialKey(key);
  return Object.keys(section ?? {}).filter((k) => credentialKey(k) === want);
}

export interface DockerConfigChange {
  /** credHelpers[key] = helper (keys given as host[:port] or an auths key). */
  setHelpers?: Record<string, string>;
  /** credHelpers entries to drop, only while they still name `helper`. */
  removeHelpers?: { keys: string[]; helper: string };
  /** auths entries to drop, by registry. */
  removeAuths?: string[];
}

export interface DockerConfigEdit {
  /** The new file as text (exactly the input when nothing changed). */
  text: string;
  /** What to write: every byte regsetup did not edit is the input's own. */
  bytes: Buffer;
  changed: boolean;
  /** The auths keys removed. */
  removedAuths: string[];
}

/**
 * Edit ~/.docker/config.json in place, as bytes: only the named registries' entries change;
 * every other key (credsStore, other registries, proxies, plugins…), the file's formatting and
 * every byte outside the edited entries stay.
 */
export function editDockerConfig(input: string | Uint8Array | undefined, change: DockerConfigChange, source = 'config.json'): DockerConfigEdit {
  const read = readDockerConfig(input, source);
  const config: DockerConfig = read.config;
  const unchanged = () => ({ text: typeof input === 'string' ? input : decodeView(read.view), bytes: viewBytes(read.view), changed: false, removedAuths });
  const edits: JsonEdit[] = [];
  const removedAuths: string[] = [];
  for (const registry of change.removeAuths ?? []) {
    for (const key of keysFor(config.auths, registry)) {
      if (removedAuths.includes(key)) continue;
      removedAuths.push(key);
      edits.push({ path: ['auths', key], value: undefined });
    }
  }
  const helpers = { ...config.credHelpers };
  for (const registry of change.removeHelpers?.keys ?? []) {
    for (const key of keysFor(helpers, registry)) {
      if (helpers[key] !== change.removeHelpers!.helper) continue;
      delete helpers[key];
      edits.push({ path: ['credHelpers', key], value: undefined });
    }
  }
  for (const [registry, helper] of Object.entries(change.setHelpers ?? {})) {
    const key = credentialKey(registry);
    // Another spelling of the same registry (e.g. "https://host") would shadow or confuse: replace it.
    for (const other of keysFor(helpers, registry).filter((k) => k !== key)) {
      delete helpers[other];
      edits.push({ path: ['credHelpers', other], value: undefined });
    }
    if (helpers[key] === helper) continue;
    helpers[key] = helper;
    edits.push({ path: ['credHelpers', key], value: helper });
  }
  if (edits.length === 0) return unchanged();
  if (typeof input === 'string' && input.includes('\uFFFD')) {
    throw refused(
      'ERR_DOCKER_CONFIG_ENCODING',
      `${source} holds U+FFFD replacement characters: read as text, its original bytes are lost, so regsetup will not rewrite it`,
      'Fix the bytes that are not UTF-8 first. Nothing was changed.',
    );
  }
  // Removing the last entry leaves no empty object behind: the file reads as it did before login.
  if (config.credHelpers !== undefined && Object.keys(helpers).length === 0) edits.push({ path: ['credHelpers'], value: undefined });
  const out = editJsonView(read.view, read.root, edits);
  return { text: decodeView(out), bytes: viewBytes(out), changed: true, removedAuths };
}
