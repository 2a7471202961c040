import { parseToml } from '../../core/toml-text.js';
import type { Clock, Sleep } from '../../host/clock.js';
import type { CriClient } from '../../host/cri/cri-client.js';
import type { Processes } from '../../host/processes.js';
import type { ConfirmOptions } from '../types.js';

// "containerd took it", as kubelet would see it: CRI answers on the socket, the runtime is ready,
// and CRI's effective config names the hosts root regsetup relies on. containerd 1.6/1.7 report
// config_path in Status{verbose} (info.config.registry.configPath); 2.0–2.3 do not report it over
// CRI at all, so there the running binary's own view of the config (`containerd config dump`) is read.

export interface ContainerdExpect {
  /** The root config_path must name; null: only that CRI is back up. */
  configPathRoot: string | null;
}

export interface ConfirmPorts {
  processes: Processes;
  clock: Clock;
  sleep: Sleep;
  /** Path of config.toml (under --root) for `containerd --config … config dump`. */
  configFile: string;
}

const get = (obj: unknown, path: readonly string[]): unknown =>
  path.reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);

/** config_path as the containerd binary resolves it from the files (imports, defaults, migration). */
async function dumpedConfigPath(ports: Pick<ConfirmPorts, 'processes' | 'configFile'>): Promise<string[] | undefined> {
  const r = await ports.processes.run('containerd', ['--config', ports.configFile, 'config', 'dump'], { timeoutMs: 15_000 });
  if (r.exitCode !== 0) return undefined;
  const config = parseToml(r.stdout, 'containerd config dump');
  for (const plugin of [['plugins', 'io.containerd.cri.v1.images'], ['plugins', 'io.containerd.grpc.v1.cri']]) {
    const value = get(config, [...plugin, 'registry', 'config_path']);
    if (typeof value === 'string') return value.split(':').filter(Boolean);
  }
  return undefined;
}

/** The hosts roots containerd uses, and whom that was asked of. */
export interface ConfigPathInUse {
  /** [] when config_path is unset (hosts.toml is not read). */
  roots: string[];
  /**
   * 'cri': CRI Status, the running containerd's own config (1.6, 1.7, and where imageconfig is
   * reported); 'config dump': what the binary makes of the files now (2.0–2.3), which says nothing
   * of whether the running one has read them.
   */
  from: 'cri' | 'config dump';
}

/** What doctor compares with the files: undefined when neither CRI nor `containerd config dump` says (the error is CRI's). */
export async function configPathInUse(cri: () => CriClient, ports: Pick<ConfirmPorts, 'processes' | 'configFile'>): Promise<ConfigPathInUse | undefined> {
  const status = await cri().status({ verbose: true });
  if (status.registry) return { roots: status.registry.configPaths, from: 'cri' };
  const dumped = await dumpedConfigPath(ports).catch(() => undefined);
  return dumped === undefined ? undefined : { roots: dumped, from: 'config dump' };
}

/** undefined when CRI shows what was expected within the time; else what is wrong. */
export async function confirmContainerd(cri: () => CriClient, ports: ConfirmPorts, expected: ContainerdExpect, options: ConfirmOptions): Promise<string | undefined> {
  const deadline = ports.clock.now() + options.timeoutMs;
  let last: string;
  for (;;) {
    try {
      const status = await cri().status({ verbose: true });
      const runtimeReady = status.conditions.find((c) => c.type === 'RuntimeReady');
      if (runtimeReady && !runtimeReady.status) last = `CRI answers but the runtime is not ready: ${runtimeReady.reason} ${runtimeReady.message}`.trim();
      else if (expected.configPathRoot === null) return undefined;
      else {
        const roots = status.registry ? status.registry.configPaths : await dumpedConfigPath(ports);
        if (roots?.map((r) => r.replace(/\/+$/, '')).includes(expected.configPathRoot.replace(/\/+$/, ''))) return undefined;
        last = roots === undefined ? 'CRI does not report config_path and `containerd config dump` did not show it' : `CRI's config_path is "${roots.join(':')}", not ${expected.configPathRoot}`;
      }
    } catch (error) {
      last = `CRI did not answer: ${(error as Error).message}`;
    }
    if (ports.clock.now() >= deadline) return `${last} after ${Math.round(options.timeoutMs / 100) / 10} s`;
    await ports.sleep(options.pollMs ?? 250);
  }
}
