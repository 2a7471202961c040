import { refused } from '../../core/errors.js';
import { DOCKER_HUB_SERVER, UPSTREAM_DOCKER_HUB } from '../../core/mirrors.js';
import type { FileAction } from '../../core/plan-types.js';
import { parseToml, removeTablesUnder } from '../../core/toml-text.js';
import { registrySettings, type Deprecated, type RegistrySettings } from './config.js';
import type { HostTable } from './hosts.js';
import type { ContainerdSnapshot } from './snapshot.js';

// The deprecated CRI registry sections (`registry.mirrors`, 1.x `registry.configs.<host>.tls`) kill
// the CRI plugin next to config_path. Without --migrate-containerd-mirrors a join refuses, naming
// them; with it, they become hosts.toml tables and leave the config file (whose backup leave puts
// back).

const get = (obj: unknown, path: readonly string[]): unknown =>
  path.reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);

/**
 * The trap itself: deprecated sections next to config_path, which keep CRI from loading at the next
 * start (or already did). undefined when there is none, or when the config does not parse.
 */
export function deprecatedTrap(snap: Pick<ContainerdSnapshot, 'config' | 'imports' | 'version'>): Deprecated[] | undefined {
  try {
    const settings = registrySettings(snap);
    return settings.configPath !== undefined && settings.deprecated.length > 0 ? settings.deprecated : undefined;
  } catch {
    return undefined;
  }
}

export function refuseDeprecated(found: Deprecated[]): never {
  const lines = found.map((d) => `${d.file}:${d.line}: ${d.what}`);
  throw refused(
    'ERR_CONTAINERD_DEPRECATED_REGISTRY',
    `containerd's config has deprecated registry settings that make the CRI plugin fail to load once config_path is set ("\`mirrors\` cannot be set when \`config_path\` is provided"):\n  ${lines.join('\n  ')}`,
    'Nothing was changed. Run join again with --migrate-containerd-mirrors to move them into hosts.toml (the plan shows the diff), or remove them by hand and restart containerd.',
  );
}

export interface Migration {
  actions: FileAction[];
  /** Tables for each host directory (upstream host[:port]). */
  tables: Map<string, HostTable[]>;
  /** The config files rewritten, whose backups leave puts back. */
  files: string[];
}

const endpointUrl = (e: string) => (/^https?:\/\//.test(e) ? e.replace(/\/+$/, '') : `https://${e.replace(/\/+$/, '')}`);
const defaultServer = (upstream: string) => (upstream === UPSTREAM_DOCKER_HUB ? DOCKER_HUB_SERVER : `https://${upstream}`);

export function planMigration(snap: ContainerdSnapshot, settings: RegistrySettings): Migration {
  const tables = new Map<string, HostTable[]>();
  const add = (host: string, t: HostTable) => tables.set(host, [...(tables.get(host) ?? []), t]);
  const byFile = new Map<string, Deprecated[]>();
  for (const d of settings.deprecated) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
  const actions: FileAction[] = [];
  for (const [path, found] of byFile) {
    const before = [snap.config, ...snap.imports].find((f) => f.path === path)!.text!;
    const value = parseToml(before, path);
    let text = before;
    for (const d of found) {
      const section = get(value, d.table) as Record<string, unknown>;
      if (d.what.startsWith('registry.mirrors')) {
        const upstream = d.table.at(-1)!;
        const endpoints = Array.isArray(section.endpoint) ? section.endpoint.filter((e): e is string => typeof e === 'string') : [];
        for (const e of endpoints.map(endpointUrl)) if (e !== defaultServer(upstream)) add(upstream, { url: e, content: { capabilities: ['pull', 'resolve'] } });
      } else {
        const host = d.table.at(-2)!;
        const content: Record<string, unknown> = {};
        if (typeof section.ca_file === 'string' && section.ca_file !== '') content.ca = section.ca_file;
        if (typeof section.cert_file === 'string' && section.cert_file !== '') content.client = [[section.cert_file, typeof section.key_file === 'string' ? section.key_file : '']];
        if (section.insecure_skip_verify === true) content.skip_verify = true;
        add(host, { url: `https://${host}`, content: { capabilities: ['pull', 'resolve', 'push'], ...content } });
      }
      text = removeTablesUnder(text, d.table);
    }
    actions.push({ kind: 'write-file', path, before, after: text, mode: 0o644, reason: `move the deprecated ${found.map((d) => d.what).join(', ')} into hosts.toml` });
  }
  return { actions, tables, files: [...byFile.keys()] };
}
