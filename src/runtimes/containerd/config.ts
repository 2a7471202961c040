import { parseToml, tomlTables, type TomlTable } from '../../core/toml-text.js';
import type { ContainerdSnapshot, TextFile } from './snapshot.js';

// How containerd reads its registry settings (docs/host-behaviour.md, containerd section):
// - config.toml `version = 2` (1.x) keeps CRI under plugins."io.containerd.grpc.v1.cri"; `version = 3`
//   (2.x) keeps the image settings under plugins."io.containerd.cri.v1.images"; no version (1.x's
//   version 1) under plugins.cri.
// - `imports` are merged after the main file. containerd 1.x replaces a whole plugin section with the
//   one an import defines (services/server/config/config.go mergeConfig); 2.x merges them key by key.
// - hosts.toml is read only with `registry.config_path` set; 2.2 and later default it to
//   /etc/containerd/certs.d:/etc/docker/certs.d (internal/cri/config/config_unix.go).
// - `registry.mirrors` (and, in 1.x, `configs.<host>.tls`) next to config_path makes the CRI plugin
//   fail to load (pkg/cri/config/config.go ValidatePluginConfig): containerd runs on, kubelet does not.

export const DEFAULT_CONFIG = '/etc/containerd/config.toml';
export const DEFAULT_HOSTS_ROOT = '/etc/containerd/certs.d';
export const DEFAULT_SOCKET = '/run/containerd/containerd.sock';
const DEFAULT_22 = ['/etc/containerd/certs.d', '/etc/docker/certs.d'];

/** The plugin whose `registry` table holds config_path, for the config file's own version. */
export function criPlugin(version: number | undefined): string[] {
  if (version === 3) return ['plugins', 'io.containerd.cri.v1.images'];
  if (version === 2) return ['plugins', 'io.containerd.grpc.v1.cri'];
  return ['plugins', 'cri'];
}

export interface Deprecated {
  file: string;
  line: number;
  what: string;
  /** The table path, for a migration. */
  table: string[];
}

export interface RegistrySettings {
  /** containerd's major version decides how imports merge. */
  major: number;
  /** The version key of the main config (2 when absent on 2.x? no: as written; undefined when absent). */
  mainVersion: number | undefined;
  /** The effective config_path roots; undefined when hosts.toml is not read at all. */
  configPath?: string[];
  /** Where config_path comes from: a file, or containerd's default (2.2+). */
  configPathSource?: string;
  /** 1.x: the file whose CRI section containerd uses (the last to define it). */
  criFile: string;
  /** The deprecated sections that conflict with config_path. */
  deprecated: Deprecated[];
  /** gRPC address ([grpc] address). */
  socket: string;
  /** imports of the main file as written. */
  imports: string[];
}

const get = (obj: unknown, path: readonly string[]): unknown =>
  path.reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);

const isTable = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Every file of a config, parsed (refused with its line when one does not parse). */
export function parseConfigFiles(snap: Pick<ContainerdSnapshot, 'config' | 'imports'>): Array<{ file: TextFile; value: Record<string, unknown> }> {
  return [snap.config, ...snap.imports].filter((f) => f.text !== undefined).map((file) => ({ file, value: parseToml(file.text!, file.path) }));
}

const lineOfTable = (text: string, path: readonly string[]): number => {
  const t = tomlTables(text).find((x: TomlTable) => x.path.length === path.length && x.path.every((p, i) => p === path[i]));
  return t ? t.header + 1 : 1;
};

export function registrySettings(snap: Pick<ContainerdSnapshot, 'config' | 'imports' | 'version'>): RegistrySettings {
  const files = parseConfigFiles(snap);
  const main = files.find((f) => f.file.path === snap.config.path);
  const mainVersion = typeof main?.value.version === 'number' ? main.value.version : undefined;
  const major = snap.version.major;
  let configPath: string[] | undefined;
  let configPathSource: string | undefined;
  let criFile = snap.config.path;
  let explicitlyEmpty = false;
  const deprecated: Deprecated[] = [];
  for (const { file, value } of files) {
    const version = typeof value.version === 'number' ? value.version : file === snap.config ? undefined : mainVersion;
    const plugin = criPlugin(version);
    const cri = get(value, plugin);
    if (!isTable(cri)) continue;
    // 1.x: this file's CRI section replaces every earlier one wholesale.
    if (major < 2) {
      criFile = file.path;
      configPath = undefined;
      configPathSource = undefined;
      explicitlyEmpty = false;
      deprecated.length = 0;
    }
    const registry = cri.registry;
    if (!isTable(registry)) continue;
    if (typeof registry.config_path === 'string') {
      explicitlyEmpty = registry.config_path === '';
      configPath = registry.config_path === '' ? undefined : registry.config_path.split(':').filter(Boolean);
      configPathSource = configPath ? file.path : undefined;
    }
    if (isTable(registry.mirrors)) {
      for (const name of Object.keys(registry.mirrors)) {
        const table = [...plugin, 'registry', 'mirrors', name];
        deprecated.push({ file: file.path, line: lineOfTable(file.text!, table), what: `registry.mirrors."${name}"`, table });
      }
    }
    if (isTable(registry.configs) && major < 2) {
      for (const [host, conf] of Object.entries(registry.configs)) {
        if (isTable(conf) && isTable(conf.tls)) {
          const table = [...plugin, 'registry', 'configs', host, 'tls'];
          deprecated.push({ file: file.path, line: lineOfTable(file.text!, table), what: `registry.configs."${host}".tls`, table });
        }
      }
    }
  }
  if (configPath === undefined && !explicitlyEmpty && (major > 2 || (major === 2 && snap.version.minor >= 2))) {
    configPath = DEFAULT_22;
    configPathSource = `containerd ${snap.version.text}'s default`;
  }
  const grpc = get(main?.value, ['grpc', 'address']);
  const imports = Array.isArray(main?.value.imports) ? main.value.imports.filter((i): i is string => typeof i === 'string') : [];
  return {
    major,
    mainVersion,
    ...(configPath ? { configPath, configPathSource: configPathSource! } : {}),
    criFile,
    deprecated,
    socket: typeof grpc === 'string' && grpc !== '' ? grpc : DEFAULT_SOCKET,
    imports,
  };
}

/** Does one `imports` pattern (containerd: filepath.Glob, relative to the importing file) cover `path`? */
export function importCovers(pattern: string, baseDir: string, path: string): boolean {
  const absolute = pattern.startsWith('/') ? pattern : `${baseDir.replace(/\/+$/, '')}/${pattern}`;
  const re = new RegExp(`^${absolute.split('*').map((s) => s.replace(/[.+^${}()|[\]\\?]/g, '\\$&')).join('[^/]*')}$`);
  return re.test(path);
}
