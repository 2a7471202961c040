import { posix } from 'node:path';
import { authKeyHost, parseDockerConfig, type DockerConfig } from '../core/docker-config.js';
import { credentialKey } from '../core/docker-config-edit.js';
import type { Files } from '../host/files.js';
import type { Processes } from '../host/processes.js';
import { delegateBackend, healthCheck } from './delegate-backend.js';
import { helpersOnPath, passState, passStoreDir } from './helpers-on-path.js';
import { credentialPaths } from './paths.js';
import { credentialStore } from './store.js';

export interface HelperReport {
  /** The suffix: "pass" for docker-credential-pass. */
  name: string;
  /** "credsStore" (every registry) and/or the credHelpers keys it serves. */
  serves: string[];
  /** On PATH; undefined when missing. */
  path?: string;
  /** Health check passed (a store/get/erase round trip; for regsetup, its store reads). undefined: not tried. */
  working?: boolean;
  /** What failed, or how it works. */
  error?: string;
}

export interface RegistryCredentials {
  registry: string;
  servedBy: { kind: 'helper'; helper: string; via: 'credHelpers' | 'credsStore' } | { kind: 'plaintext' };
  /** Served by a working helper. */
  ok: boolean;
}

export interface CredentialsInspection {
  configPath: string;
  configError?: string;
  plaintext: Array<{ key: string; host: string; username: string }>;
  helpers: HelperReport[];
  pass: { installed: boolean; initialised: boolean; helperInstalled: boolean; usedByDocker: boolean; storeDir: string };
  registries: RegistryCredentials[];
  /** regsetup's own store: where it is and which backend it chose. */
  regsetupStore: { storeDir: string; keyDir: string; backend?: string; error?: string };
}

export interface InspectPorts {
  files: Files;
  processes: Pick<Processes, 'run'>;
  env: NodeJS.ProcessEnv;
  uid: number;
}

const plaintextOf = (config: DockerConfig) =>
  Object.entries(config.auths ?? {})
    .filter(([, e]) => e.auth || e.identitytoken)
    .map(([key, e]) => ({ key, host: authKeyHost(key), username: e.identitytoken ? '<token>' : Buffer.from(e.auth ?? '', 'base64').toString('utf8').split(':')[0] ?? '' }));

/** `regsetup creds doctor` and doctor's credentials check: which helpers exist, which work, which serves what. */
export async function inspectCredentials(ports: InspectPorts, dockerConfigDir: string): Promise<CredentialsInspection> {
  const configPath = posix.join(dockerConfigDir, 'config.json');
  let config: DockerConfig = {};
  let configError: string | undefined;
  try {
    config = parseDockerConfig(await ports.files.readText(configPath), configPath);
  } catch (error) {
    configError = (error as Error).message;
  }
  const onPath = await helpersOnPath(ports.files, ports.env);
  const configured = new Set([...Object.values(config.credHelpers ?? {}), ...(config.credsStore ? [config.credsStore] : [])]);
  const names = [...new Set([...onPath.map((h) => h.name), ...configured])].sort();
  const store = credentialStore(ports);
  const paths = credentialPaths(ports.env, ports.uid);
  const regsetupStore: CredentialsInspection['regsetupStore'] = { ...paths };
  try {
    const c = await store.config();
    if (c) regsetupStore.backend = c.backend === 'helper' ? c.helper : c.backend;
  } catch (error) {
    regsetupStore.error = (error as Error).message;
  }

  const helpers: HelperReport[] = [];
  for (const name of names) {
    const path = onPath.find((h) => h.name === name)?.path;
    const serves = [...(config.credsStore === name ? ['credsStore'] : []), ...Object.entries(config.credHelpers ?? {}).filter(([, h]) => h === name).map(([k]) => k)];
    const report: HelperReport = { name, serves, ...(path ? { path } : {}) };
    if (path === undefined) report.error = `docker-credential-${name} is not on PATH`;
    else if (name === 'regsetup') {
      // Its own store is read, not written: doctor must not create a key as a side effect.
      await store.list().then(
        () => Object.assign(report, { working: regsetupStore.error === undefined, ...(regsetupStore.error ? { error: regsetupStore.error } : {}) }),
        (error: Error) => Object.assign(report, { working: false, error: error.message }),
      );
    } else {
      const health = await healthCheck(delegateBackend(ports.processes, name));
      report.working = health.ok;
      if (!health.ok) report.error = health.detail;
    }
    helpers.push(report);
  }

  const works = (name: string) => helpers.find((h) => h.name === name)?.working === true;
  const registries: RegistryCredentials[] = [];
  for (const [key, helper] of Object.entries(config.credHelpers ?? {})) registries.push({ registry: credentialKey(key), servedBy: { kind: 'helper', helper, via: 'credHelpers' }, ok: works(helper) });
  const plaintext = plaintextOf(config);
  for (const p of plaintext) {
    const registry = credentialKey(p.key);
    if (registries.some((r) => r.registry === registry)) continue;
    registries.push(config.credsStore
      ? { registry, servedBy: { kind: 'helper', helper: config.credsStore, via: 'credsStore' }, ok: works(config.credsStore) }
      : { registry, servedBy: { kind: 'plaintext' }, ok: false });
  }
  const pass = await passState(ports.files, ports.env);
  const noStoreConfigured = !config.credsStore && !config.credHelpers && !config.auths;
  return {
    configPath,
    ...(configError ? { configError } : {}),
    plaintext,
    helpers,
    pass: {
      ...pass,
      helperInstalled: onPath.some((h) => h.name === 'pass'),
      // docker/cli's Linux default: pass when its program is on PATH, for a config that names no store.
      usedByDocker: config.credsStore === 'pass' || Object.values(config.credHelpers ?? {}).includes('pass') || (noStoreConfigured && pass.installed && onPath.some((h) => h.name === 'pass')),
      storeDir: passStoreDir(ports.env),
    },
    registries,
    regsetupStore,
  };
}
