import { DEFAULT_HOSTS_ROOT, parseConfigFiles, type RegistrySettings } from '../../runtimes/containerd/config.js';
import type { ConfigPathInUse } from '../../runtimes/containerd/confirm.js';
import type { Finding } from '../types.js';
import type { ContainerdView } from './containerd-hosts.js';

// containerd's own state, as kubelet depends on it: CRI loaded and ready, none of the deprecated
// registry sections that kill CRI next to config_path, config_path set and read by the running
// containerd (docs/host-behaviour.md, containerd).

const finding = (f: Omit<Finding, 'check' | 'fixable'>): Finding => ({ fixable: false, check: 'containerd', ...f });
const RESTART = 'systemctl restart containerd';
const trim = (root: string) => root.replace(/\/+$/, '');

/** Does config.toml switch CRI off (Docker's containerd.io package ships disabled_plugins = ["cri"])? */
function criDisabled(v: Pick<ContainerdView, 'snap'>): string | undefined {
  try {
    for (const { file, value } of parseConfigFiles(v.snap)) {
      const list = Array.isArray(value.disabled_plugins) ? value.disabled_plugins : [];
      if (list.some((p) => p === 'cri' || p === 'io.containerd.grpc.v1.cri')) return file.path;
    }
  } catch {
    // the config-malformed finding names it
  }
  return undefined;
}

/** CRI answers, and its runtime is ready: what kubelet needs of containerd before anything else. */
export async function criFindings(v: ContainerdView, settings: RegistrySettings | undefined, name: string): Promise<Finding[]> {
  const p = v.session.process!;
  if (!p.cri) {
    const disabled = criDisabled(v);
    const trap = settings?.configPath !== undefined && settings.deprecated.length > 0;
    return [
      finding({
        id: 'containerd-cri-unavailable',
        severity: 'error',
        seen: p.criError?.message ?? `${name} (pid ${p.pid}) does not answer CRI on ${p.socket}`,
        cause: trap
          ? `The CRI plugin did not load: containerd refuses registry.mirrors (or configs.<host>.tls) next to config_path ("\`mirrors\` cannot be set when \`config_path\` is provided"). kubelet has no runtime.`
          : disabled
            ? `${disabled} switches the CRI plugin off (disabled_plugins = ["cri"], as Docker's containerd.io package ships it): kubelet has no runtime.`
            : 'containerd runs, but its CRI plugin does not serve: kubelet cannot use this runtime.',
        fix: trap
          ? 'See containerd-deprecated-registry: move those sections into hosts.toml.'
          : disabled
            ? `Remove "cri" from disabled_plugins in ${disabled}, then \`${RESTART}\`.`
            : "`journalctl -u containerd | grep 'failed to load plugin'` says why; fix that, then restart containerd.",
      }),
    ];
  }
  try {
    const ready = (await v.session.cri().status({ verbose: false })).conditions.find((c) => c.type === 'RuntimeReady');
    if (ready && !ready.status) {
      return [finding({ id: 'containerd-runtime-not-ready', severity: 'error', seen: `CRI: RuntimeReady is false: ${`${ready.reason} ${ready.message}`.trim()}`, cause: 'CRI answers, but reports its runtime as not ready: kubelet starts no pod here.', fix: '`journalctl -u containerd` says why (the runtime binary, runc, its shim).' })];
    }
  } catch (error) {
    return [finding({ id: 'containerd-cri-unavailable', severity: 'error', seen: (error as Error).message, cause: 'CRI answered at first, then not: containerd is busy, hung or restarting.', fix: '`systemctl status containerd` and `journalctl -u containerd`; run `regsetup doctor` again.' })];
  }
  return [];
}

/** The deprecated registry sections, which kill CRI next to config_path. */
export function deprecatedFindings(v: ContainerdView, settings: RegistrySettings): Finding[] {
  if (settings.deprecated.length === 0) return [];
  const trap = settings.configPath !== undefined;
  const where = settings.deprecated.map((d) => `${d.file}:${d.line}: ${d.what}`).join('; ');
  const joined = v.records[0]?.registry;
  const apply = trap && joined !== undefined ? v.s.ports.fixes.containerdRejoin?.(v.session.id, joined) : undefined;
  const move = `\`regsetup join ${joined ?? '<registry>'} --runtime containerd --migrate-containerd-mirrors\` moves them into hosts.toml (and restarts containerd), or delete them by hand and \`${RESTART}\``;
  return [
    finding({
      id: 'containerd-deprecated-registry',
      severity: trap ? 'error' : 'warning',
      seen: `${where}${trap ? `, next to config_path = "${settings.configPath!.join(':')}"` : ''}`,
      cause: trap
        ? `containerd's CRI plugin does not load with these next to config_path ("\`mirrors\` cannot be set when \`config_path\` is provided"): ${v.session.process?.cri ? 'the running containerd read its config before they were added, and its next restart takes kubelet\'s runtime away' : 'kubelet has no runtime now'}.`
        : 'These settings are deprecated (hosts.toml replaces them), and `regsetup join` will not turn config_path on next to them: CRI would not load.',
      fix: apply ? `doctor can move them into hosts.toml through \`regsetup join ${joined}\`'s plan (the diff shows it; containerd restarts): ${move}.` : `${move[0]!.toUpperCase()}${move.slice(1)}.`,
      ...(apply ? { fixable: true, apply } : {}),
    }),
  ];
}

/** config_path as config.toml says it and as the running containerd uses it. */
export function configPathFindings(v: ContainerdView, settings: RegistrySettings, inUse: ConfigPathInUse | undefined): Finding[] {
  const config = v.snap.config.path;
  const files = settings.configPath;
  const running = inUse?.roots;
  const joined = v.records[0]?.registry;
  const rejoin = joined !== undefined ? v.s.ports.fixes.containerdRejoin?.(v.session.id, joined) : undefined;
  const trap = files !== undefined && settings.deprecated.length > 0;
  const restart = !trap && v.snap.canRestart ? v.s.ports.fixes.containerdRestart?.(v.session.id) : undefined;
  const hosts = Object.keys(v.snap.hostsFiles).some((p) => p.startsWith(`${DEFAULT_HOSTS_ROOT}/`) && p.endsWith('/hosts.toml'));
  const asked = inUse?.from === 'config dump' ? '`containerd config dump`' : 'CRI Status';
  if (files === undefined && (running === undefined || running.length === 0)) {
    if (!joined && !hosts) return [];
    return [
      finding({
        id: 'containerd-config-path-unset',
        severity: joined ? 'error' : 'warning',
        seen: `${config} sets no config_path${running === undefined ? '' : `, and ${asked} shows none`}`,
        cause: `containerd's CRI reads no hosts.toml at all: kubelet's pulls ignore every mirror, CA and setting under ${DEFAULT_HOSTS_ROOT}${joined ? ` (where regsetup joined ${joined})` : ''}.`,
        fix: `\`regsetup join ${joined ?? '<registry>'} --runtime containerd\` sets it (with a restart of containerd)${rejoin ? '; doctor can do this' : ''}.`,
        ...(rejoin ? { fixable: true, apply: rejoin } : {}),
      }),
    ];
  }
  if (files === undefined) {
    return [
      finding({
        id: 'containerd-config-path-lost',
        severity: 'warning',
        seen: `containerd runs with config_path "${running!.join(':')}", but ${config} no longer sets it`,
        cause: 'At its next restart containerd stops reading hosts.toml: kubelet\'s pulls then ignore every mirror and CA there.',
        fix: `Set it again in ${config}${joined ? ` (\`regsetup join ${joined} --runtime containerd\` does${rejoin ? '; doctor can do this' : ''})` : ''}.`,
        ...(rejoin ? { fixable: true, apply: rejoin } : {}),
      }),
    ];
  }
  // Only CRI knows what the running containerd read: `config dump` reads the files as they are now.
  if (inUse?.from !== 'cri' || trim(running![0] ?? '') === trim(files[0]!)) return [];
  return [
    finding({
      id: 'containerd-not-restarted',
      severity: 'error',
      seen: `${config} sets config_path = "${files.join(':')}", the running containerd uses ${running!.length ? `"${running!.join(':')}"` : 'none'} (CRI Status)`,
      cause: 'containerd reads config.toml only when it starts, and has not been restarted since: kubelet\'s pulls do not use the hosts.toml files there.',
      fix: `Restart it: \`${RESTART}\` (running containers keep running; never \`kill -HUP\`, which kills containerd)${restart ? '; doctor can do this' : ''}.`,
      ...(restart ? { fixable: true, apply: restart } : {}),
    }),
  ];
}
