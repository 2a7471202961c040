import * as z from 'zod';
import type { Files } from '../host/files.js';
import type { Processes } from '../host/processes.js';
import type { CredentialBackend } from './backend.js';
import { delegateBackend, healthCheck } from './delegate-backend.js';
import { fileBackend } from './file-backend.js';
import { helpersOnPath, passState } from './helpers-on-path.js';
import { ensurePrivateDir, readPrivateJson, writePrivate } from './private-files.js';
import { credentialPaths, credentialsFilePath, storeConfigPath, type CredentialPaths } from './paths.js';
import { chooseKeyRef, createKey, keyRefSchema, loadKey } from './store-key.js';

// Which backend serves this user is decided once, at the first store, and written down, so a
// later get or erase goes to the same place even if `pass init` happens in between.

const storeConfigSchema = z.discriminatedUnion('backend', [
  z.object({ version: z.literal(1), backend: z.literal('file'), key: keyRefSchema }),
  z.object({ version: z.literal(1), backend: z.literal('helper'), helper: z.string().regex(/^[A-Za-z0-9._-]+$/) }),
]);
export type StoreConfig = z.infer<typeof storeConfigSchema>;

export interface StorePorts {
  files: Files;
  processes: Pick<Processes, 'run'>;
  env: NodeJS.ProcessEnv;
  uid: number;
}

export interface StoreOptions {
  /** false under --root: the key must not be bound to the machine building the tree. */
  realHost?: boolean;
}

export async function readStoreConfig(ports: StorePorts, paths: CredentialPaths): Promise<StoreConfig | undefined> {
  return readPrivateJson(ports, storeConfigPath(paths), storeConfigSchema);
}

export interface Candidate {
  name: string;
  ok: boolean;
  detail: string;
}

/** Helpers worth trying, best first: pass once initialised, secretservice with a D-Bus session, then the rest. */
export async function candidateHelpers(ports: StorePorts): Promise<Array<{ name: string; skip?: string }>> {
  const found = (await helpersOnPath(ports.files, ports.env)).map((h) => h.name).filter((n) => n !== 'regsetup');
  const rank = (n: string) => (n === 'pass' ? 0 : n === 'secretservice' ? 1 : 2);
  const pass = await passState(ports.files, ports.env);
  return found
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((name) => {
      if (name === 'pass' && !pass.initialised) return { name, skip: pass.installed ? 'pass is installed but not initialised (no .gpg-id; `pass init` was never run)' : 'the pass program is not installed' };
      if (name === 'secretservice' && !ports.env.DBUS_SESSION_BUS_ADDRESS) return { name, skip: 'no D-Bus session (no keyring on this host)' };
      return { name };
    });
}

/** Pick the backend for a new store: a helper that passes a round trip, else regsetup's own file store. */
export async function selectBackend(ports: StorePorts, paths: CredentialPaths, options: StoreOptions = {}): Promise<{ config: StoreConfig; tried: Candidate[] }> {
  const forced = ports.env.REGSETUP_CREDENTIALS_BACKEND;
  const tried: Candidate[] = [];
  const useFile = async () => ({ version: 1 as const, backend: 'file' as const, key: await chooseKeyRef(ports, paths.keyDir, options.realHost ?? true) });
  if (forced === 'file') return { config: await useFile(), tried };
  const candidates = forced ? [{ name: forced }] : await candidateHelpers(ports);
  for (const { name, skip } of candidates) {
    if (skip) {
      tried.push({ name, ok: false, detail: skip });
      continue;
    }
    const health = await healthCheck(delegateBackend(ports.processes, name));
    tried.push({ name, ...health });
    if (health.ok) return { config: { version: 1, backend: 'helper', helper: name }, tried };
  }
  return { config: await useFile(), tried };
}

export function backendFor(ports: StorePorts, paths: CredentialPaths, config: StoreConfig): CredentialBackend {
  if (config.backend === 'helper') return delegateBackend(ports.processes, config.helper);
  let key: Promise<Buffer> | undefined;
  return fileBackend({ ...ports, key: () => (key ??= loadKey(ports, config.key)) }, credentialsFilePath(paths));
}

export interface CredentialStore extends CredentialBackend {
  paths: CredentialPaths;
  /** The recorded config, undefined before the first store. */
  config(): Promise<StoreConfig | undefined>;
}

/** regsetup's credential store for the user running it: what docker-credential-regsetup serves. */
export function credentialStore(ports: StorePorts, options: StoreOptions = {}): CredentialStore {
  const paths = credentialPaths(ports.env, ports.uid);
  const current = async () => {
    const config = await readStoreConfig(ports, paths);
    return config && backendFor(ports, paths, config);
  };
  const forStore = async () => {
    await ensurePrivateDir(ports, paths.storeDir);
    return ports.files.withLock(`${storeConfigPath(paths)}.lock`, async () => {
      let config = await readStoreConfig(ports, paths);
      if (config === undefined) {
        config = (await selectBackend(ports, paths, options)).config;
        if (config.backend === 'file') await createKey(ports, config.key);
        await writePrivate(ports, storeConfigPath(paths), `${JSON.stringify(config, null, 2)}\n`);
      }
      return backendFor(ports, paths, config);
    });
  };
  return {
    name: 'regsetup',
    paths,
    config: () => readStoreConfig(ports, paths),
    store: async (c) => (await forStore()).store(c),
    get: async (url) => (await current())?.get(url),
    erase: async (url) => (await (await current())?.erase(url)) ?? false,
    list: async () => (await (await current())?.list()) ?? {},
  };
}
