// StatusResponse.info as containerd's CRI fills it for Status{verbose: true} (the key names and
// nesting of containerd's status.go and its CRI config structs' json tags), per version line.

export type ContainerdLine = '1.6' | '1.7' | '2.0' | 'imageconfig';

export interface InfoOptions {
  /** registry.config_path; '' as 1.x reports it when only `mirrors` is set. */
  configPath?: string;
  mirrors?: Record<string, { endpoint: string[] }>;
  /** 1.x's deprecated plaintext registry.auths (reported as-is by 1.x). */
  auths?: Record<string, { username?: string; password?: string; auth?: string; identitytoken?: string }>;
}

const dirs = {
  containerdRootDir: '/var/lib/containerd',
  containerdEndpoint: '/run/containerd/containerd.sock',
  rootDir: '/var/lib/containerd/io.containerd.grpc.v1.cri',
  stateDir: '/run/containerd/io.containerd.grpc.v1.cri',
};

export function containerdInfo(line: ContainerdLine, o: InfoOptions = {}): Record<string, string> {
  const registry = { configPath: o.configPath ?? '', mirrors: o.mirrors ?? null, configs: null, auths: o.auths ?? null, headers: null };
  const runtime = { containerd: { snapshotter: 'overlayfs', defaultRuntimeName: 'runc' }, cni: { binDir: '/opt/cni/bin', confDir: '/etc/cni/net.d' }, enableSelinux: false };
  const config = line === '1.6' || line === '1.7' ? { ...runtime, registry, sandboxImage: 'registry.k8s.io/pause:3.6', ...dirs } : { ...runtime, ...dirs };
  const info: Record<string, string> = {
    config: JSON.stringify(config),
    golang: JSON.stringify('go1.22.2'),
    cniconfig: JSON.stringify({ PluginDirs: ['/opt/cni/bin'], PluginConfDir: '/etc/cni/net.d', Prefix: 'eth', Networks: [] }),
    lastCNILoadStatus: 'cni config load failed: no network config found in /etc/cni/net.d: cni plugin not initialized',
    'lastCNILoadStatus.default': 'OK',
  };
  if (line === 'imageconfig') info.imageconfig = JSON.stringify({ snapshotter: 'overlayfs', registry: { ...registry, auths: null } });
  return info;
}
