// "No regsetup here": what the e2e global setup takes away (after saving it) so that every suite
// starts from a host regsetup never touched — whether or not `scripts/try` joined the lab before.
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  daemonJsonPath,
  daemonRegistryConfig,
  normalizeMirror,
  reloadDockerd,
  sleep,
  type DaemonRegistryConfig,
  type LabInfo,
} from './lab.js';

/** Every host path the e2e suite may touch: saved byte for byte before, restored and compared after. */
export const HOST_PATHS = [
  '/etc/docker',
  '/etc/containerd',
  '/etc/containers',
  '/etc/rancher',
  join(homedir(), '.docker'),
  join(homedir(), '.config/containers'),
  '/var/lib/regsetup',
  '/etc/regsetup',
  '/usr/local/bin/docker-credential-regsetup',
  '/usr/local/bin/regsetup',
  '/run/regsetup',
] as const;

/** regsetup's own state: simply moved aside (the snapshot keeps it). */
const REGSETUP_STATE = ['/var/lib/regsetup', '/etc/regsetup', '/run/regsetup', '/usr/local/bin/docker-credential-regsetup', '/usr/local/bin/regsetup'];

/** The lab's DNS suffix (".regsetup.test"). */
function labSuffix(lab: LabInfo): string {
  return lab.hosts.group.slice(lab.hosts.group.indexOf('.'));
}

function isLabHost(lab: LabInfo, hostPort: string): boolean {
  const host = hostPort.replace(/^[a-z]+:\/\//, '').replace(/[/].*$/, '').replace(/:\d+$/, '');
  return host.endsWith(labSuffix(lab));
}

function parseObject(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  const v: unknown = JSON.parse(text.replace(/^\uFEFF/, ''));
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
  return v as Record<string, unknown>;
}

const readText = (path: string) => readFile(path, 'utf8').catch(() => null);

/** The effective registry config with the lab's registries taken out. */
export function withoutLab(lab: LabInfo, cfg: DaemonRegistryConfig): DaemonRegistryConfig {
  return {
    mirrors: cfg.mirrors.filter((m) => !isLabHost(lab, m)),
    insecureRegistryCIDRs: cfg.insecureRegistryCIDRs,
    insecureHosts: cfg.insecureHosts.filter((h) => !isLabHost(lab, h)),
  };
}

export function sameRegistryConfig(a: DaemonRegistryConfig, b: DaemonRegistryConfig): boolean {
  const norm = (c: DaemonRegistryConfig) => JSON.stringify([c.mirrors.map(normalizeMirror), [...c.insecureRegistryCIDRs].sort(), c.insecureHosts]);
  return norm(a) === norm(b);
}

/**
 * Writes daemon.json as `bytes` (null: no file) and makes dockerd show `target`. dockerd keeps a
 * key that is absent from the file on reload, so when dockerd shows something else the file first
 * gets the target's values written out, is reloaded, and only then gets its exact bytes.
 */
export async function settleDaemonJson(bytes: Buffer | null, target: DaemonRegistryConfig): Promise<void> {
  const path = await daemonJsonPath();
  if (!sameRegistryConfig(await daemonRegistryConfig(), target)) {
    const base = parseObject(bytes ? bytes.toString('utf8') : null) ?? {};
    const defaults = new Set(['127.0.0.0/8', '::1/128']);
    const insecure = [...target.insecureRegistryCIDRs.filter((c) => !defaults.has(c)), ...target.insecureHosts];
    await writeFile(path, `${JSON.stringify({ ...base, 'registry-mirrors': target.mirrors.map(normalizeMirror), 'insecure-registries': insecure }, null, 2)}\n`);
    await reloadDockerd({ expectMirrors: target.mirrors });
    const deadline = Date.now() + 15_000;
    while (!sameRegistryConfig(await daemonRegistryConfig(), target)) {
      if (Date.now() > deadline) throw new Error(`dockerd does not show ${JSON.stringify(target)} after a reload (see the dockerd log)`);
      await sleep(100);
    }
  }
  if (bytes) await writeFile(path, bytes);
  else await rm(path, { force: true });
}

/** Takes regsetup's state and the lab's registries out of the host's configuration. */
/** A Docker-format auth file without the regsetup helper and the lab's logins (absent: nothing to do). */
async function forgetLabLogins(lab: LabInfo, cfgPath: string): Promise<void> {
  const cfg = parseObject(await readText(cfgPath));
  if (cfg) {
    if (cfg.credsStore === 'regsetup') delete cfg.credsStore;
    for (const key of ['credHelpers', 'auths'] as const) {
      const table = cfg[key] as Record<string, unknown> | undefined;
      if (!table || typeof table !== 'object') continue;
      for (const host of Object.keys(table)) if (isLabHost(lab, host) || table[host] === 'regsetup') delete table[host];
    }
    // Nothing but empty tables left: no file, as on a host no join touched (join creates it).
    const empty = Object.values(cfg).every((v) => typeof v === 'object' && v !== null && Object.keys(v).length === 0);
    if (empty && cfgPath.endsWith('/containers/auth.json')) await rm(cfgPath, { force: true });
    else await writeFile(cfgPath, `${JSON.stringify(cfg, null, 2)}\n`);
  }
}

export async function neutralizeHost(lab: LabInfo, saved: DaemonRegistryConfig): Promise<void> {
  for (const p of REGSETUP_STATE) await rm(p, { recursive: true, force: true });

  // CA directories named for lab registries, in every runtime's certs.d.
  for (const dir of ['/etc/docker/certs.d', '/etc/containerd/certs.d', '/etc/containers/certs.d']) {
    if (!existsSync(dir)) continue;
    for (const name of await readdir(dir)) if (isLabHost(lab, name)) await rm(join(dir, name), { recursive: true, force: true });
  }

  // hosts.toml of other upstreams (docker.io, _default) that a join pointed at a lab mirror, and
  // the containers drop-in regsetup owns: a join in place (scripts/try) configures every runtime.
  for (const dir of ['/etc/docker/certs.d', '/etc/containerd/certs.d']) {
    if (!existsSync(dir)) continue;
    for (const name of await readdir(dir)) {
      const hosts = join(dir, name, 'hosts.toml');
      if ((await readText(hosts))?.includes(labSuffix(lab))) await rm(join(dir, name), { recursive: true, force: true });
    }
  }
  await rm('/etc/containers/registries.conf.d/50-regsetup.conf', { force: true });

  // ~/.docker/config.json and the containers auth file: the regsetup helper and lab logins.
  for (const cfgPath of [join(homedir(), '.docker', 'config.json'), join(homedir(), '.config/containers/auth.json')]) await forgetLabLogins(lab, cfgPath);

  // daemon.json without the lab's mirrors and insecure entries, and dockerd showing that.
  const path = await daemonJsonPath();
  const daemon = parseObject(await readText(path));
  let bytes: Buffer | null = null;
  if (daemon) {
    const mirrors = daemon['registry-mirrors'];
    if (Array.isArray(mirrors)) daemon['registry-mirrors'] = mirrors.filter((m) => typeof m !== 'string' || !isLabHost(lab, m));
    const insecure = daemon['insecure-registries'];
    if (Array.isArray(insecure)) daemon['insecure-registries'] = insecure.filter((h) => typeof h !== 'string' || !isLabHost(lab, h));
    bytes = Buffer.from(`${JSON.stringify(daemon, null, 2)}\n`);
  }
  await settleDaemonJson(bytes, withoutLab(lab, saved));
}
