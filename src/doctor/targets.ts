import { posix } from 'node:path';
import { parseDaemonJson } from '../core/daemon-json.js';
import { authKeyHost, DOCKER_HUB_AUTH_KEY, parseDockerConfig } from '../core/docker-config.js';
import { emptyJournal, journalPath, parseJournal, type Journal } from '../core/journal.js';
import { parseInsecureEntry, parseRegistry, type RegistryRef } from '../core/registry-name.js';
import type { Files } from '../host/files.js';
import type { Target } from './types.js';

export interface TargetSources {
  journal: Journal;
  daemonJson: Record<string, unknown>;
  certsDirs: string[];
  dockerAuths: string[];
  dockerCredHelpers: string[];
}

const HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', authKeyHost(DOCKER_HUB_AUTH_KEY)]);

const tryParse = (text: string): RegistryRef | undefined => {
  try {
    return parseRegistry(text);
  } catch {
    return undefined; // not a registry name (a CIDR, a stray directory): nothing to check by name
  }
};

/**
 * Every registry this host is set up for: regsetup's journal, daemon.json's mirrors and insecure
 * entries, certs.d directories, and the Docker config's logins. Pushes are expected where regsetup
 * joined or the user logged in; mirrors and certs.d entries only serve pulls.
 */
export function collectTargets(src: TargetSources): Target[] {
  const found = new Map<string, Target>();
  const add = (ref: RegistryRef | undefined, source: string, push: boolean, pushRegistry?: RegistryRef) => {
    if (ref === undefined || HUB_HOSTS.has(ref.hostPort)) return;
    const t = found.get(ref.hostPort);
    if (t) {
      t.sources.push(source);
      t.push ||= push;
      if (pushRegistry) t.pushRegistry = pushRegistry;
    } else found.set(ref.hostPort, { registry: ref, pushRegistry: pushRegistry ?? ref, push, sources: [source] });
  };
  const pushHosts = new Set<string>();
  for (const entry of Object.values(src.journal.registries)) {
    const push = entry.pushRegistry === undefined ? undefined : tryParse(entry.pushRegistry);
    if (push) pushHosts.add(push.hostPort);
    add(tryParse(entry.registry), 'regsetup journal', true, push);
  }
  const list = (key: string) => (Array.isArray(src.daemonJson[key]) ? (src.daemonJson[key] as unknown[]).filter((v): v is string => typeof v === 'string') : []);
  for (const mirror of list('registry-mirrors')) add(tryParse(hostOfUrl(mirror)), 'daemon.json registry-mirrors', false);
  for (const entry of list('insecure-registries')) {
    if (!entry.includes('/')) add(tryParse(safe(() => parseInsecureEntry(entry)) ?? ''), 'daemon.json insecure-registries', false);
  }
  for (const dir of src.certsDirs) if (!pushHosts.has(dir)) add(tryParse(dir), 'certs.d', false);
  for (const key of src.dockerAuths) if (!pushHosts.has(authKeyHost(key))) add(tryParse(authKeyHost(key)), 'docker config auths', true);
  for (const key of src.dockerCredHelpers) if (!pushHosts.has(authKeyHost(key))) add(tryParse(authKeyHost(key)), 'docker config credHelpers', true);
  return [...found.values()];
}

const safe = <T>(fn: () => T): T | undefined => {
  try {
    return fn();
  } catch {
    return undefined;
  }
};

const hostOfUrl = (url: string): string => safe(() => new URL(url).host) ?? '';

/** Reads the sources of collectTargets from the host; each unreadable one counts as empty (its own check reports it). */
export async function readTargetSources(files: Files, paths: { stateDir: string; daemonJsonPath: string; certsDir: string; dockerConfigDir: string }): Promise<TargetSources> {
  const journalText = await files.readText(journalPath(paths.stateDir));
  const journal = safe(() => parseJournal(journalText)) ?? emptyJournal();
  const daemonJson = (await files.readText(paths.daemonJsonPath).then((t) => safe(() => parseDaemonJson(t ?? '')))) ?? {};
  const config = (await files.readText(posix.join(paths.dockerConfigDir, 'config.json')).then((t) => safe(() => parseDockerConfig(t, 'config.json')))) ?? {};
  return {
    journal,
    daemonJson,
    certsDirs: await files.readdir(paths.certsDir),
    dockerAuths: Object.keys(config.auths ?? {}),
    dockerCredHelpers: Object.keys(config.credHelpers ?? {}),
  };
}

/** `doctor <registry>`: that registry alone, pushing where --push-registry or the journal says. */
export function explicitTarget(registry: string, pushRegistry: string | undefined, journal: Journal): Target {
  const ref = parseRegistry(registry);
  const push = pushRegistry ?? journal.registries[ref.hostPort]?.pushRegistry;
  return { registry: ref, pushRegistry: push === undefined ? ref : parseRegistry(push), push: true, sources: ['argument'] };
}
