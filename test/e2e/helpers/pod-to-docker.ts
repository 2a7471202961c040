// A Kubernetes pod spec as `docker run` flags, so the e2e runs the DaemonSet's own container (its
// hostPID, hostNetwork, capabilities, seccomp/AppArmor, user, memory limit and every volume mount)
// on the lab's dockerd, read from deploy/kubernetes/ rather than written twice. Strict: a field it
// neither translates nor knows to be the scheduler's alone is an error, so a new field in the
// manifest cannot slip past the e2e. Unit-tested in test/unit/pod-to-docker.test.ts.
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';

export interface DockerRun {
  /** Flags for `docker run`, before the image. */
  flags: string[];
  image: string;
  /** After the image: the container's args (its command, when given, is the entrypoint). */
  args: string[];
  /** hostPath volumes of type DirectoryOrCreate: the kubelet creates them; so must the caller. */
  createDirs: string[];
  /** hostPath volumes that must already exist (Directory, Socket, File). */
  mustExist: Array<{ path: string; type: string }>;
}

export interface Sources {
  /** Host directories standing in for configMap and secret volumes, by volume name. */
  volumes: Record<string, string>;
}

// What only the API server, the scheduler or the kubelet act on: no docker equivalent, nothing to translate.
const SCHEDULING_ONLY = new Set(['priorityClassName', 'tolerations', 'dnsPolicy', 'automountServiceAccountToken', 'enableServiceLinks', 'nodeSelector']);
const POD_KEYS = new Set([...SCHEDULING_ONLY, 'hostPID', 'hostNetwork', 'terminationGracePeriodSeconds', 'containers', 'initContainers', 'volumes']);
const CONTAINER_KEYS = new Set(['name', 'image', 'imagePullPolicy', 'command', 'args', 'env', 'ports', 'startupProbe', 'readinessProbe', 'livenessProbe', 'resources', 'securityContext', 'volumeMounts']);
const SECURITY_KEYS = new Set(['privileged', 'runAsUser', 'runAsNonRoot', 'capabilities', 'seccompProfile', 'appArmorProfile', 'readOnlyRootFilesystem', 'allowPrivilegeEscalation']);
const MOUNT_KEYS = new Set(['name', 'mountPath', 'readOnly']);

function strict(what: string, value: object | undefined, known: ReadonlySet<string>): void {
  const unknown = Object.keys(value ?? {}).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new Error(`${what}: no docker translation for ${unknown.join(', ')}`);
}

/** "256Mi" → "256m", "1Gi" → "1024m", "500M" → "476m" (docker's m is MiB). */
export function dockerMemory(quantity: string | number): string {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(String(quantity));
  if (!m) throw new Error(`memory quantity ${quantity}: not understood`);
  const bytes = Number(m[1]) * { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, K: 1e3, M: 1e6, G: 1e9, '': 1 }[m[2] ?? '']!;
  return `${Math.floor(bytes / 1024 ** 2)}m`;
}

function security(sc: IContainer['securityContext']): string[] {
  strict('securityContext', sc, SECURITY_KEYS);
  if (sc === undefined) return [];
  strict('securityContext.capabilities', sc.capabilities, new Set(['add', 'drop']));
  const flags: string[] = [];
  if (sc.privileged) flags.push('--privileged');
  if (sc.runAsUser !== undefined) flags.push('--user', String(sc.runAsUser));
  for (const cap of sc.capabilities?.drop ?? []) flags.push('--cap-drop', cap);
  for (const cap of sc.capabilities?.add ?? []) flags.push('--cap-add', cap);
  const seccomp = sc.seccompProfile?.type;
  if (seccomp === 'Unconfined') flags.push('--security-opt', 'seccomp=unconfined');
  else if (seccomp !== undefined && seccomp !== 'RuntimeDefault') throw new Error(`seccompProfile ${seccomp}: no docker translation`);
  const apparmor = sc.appArmorProfile?.type;
  if (apparmor === 'Unconfined') flags.push('--security-opt', 'apparmor=unconfined');
  else if (apparmor !== undefined && apparmor !== 'RuntimeDefault') throw new Error(`appArmorProfile ${apparmor}: no docker translation`);
  if (sc.readOnlyRootFilesystem) flags.push('--read-only');
  if (sc.allowPrivilegeEscalation === false) flags.push('--security-opt', 'no-new-privileges');
  return flags;
}

/** `docker run` for the container `name` (an init container too) of a pod spec. */
export function podToDockerRun(pod: IPodSpec, name: string, sources: Sources): DockerRun {
  strict('pod spec', pod, POD_KEYS);
  const container = [...(pod.initContainers ?? []), ...pod.containers].find((c) => c.name === name);
  if (container === undefined) throw new Error(`no container ${name} in the pod spec`);
  strict(`container ${name}`, container, CONTAINER_KEYS);
  if (container.image === undefined) throw new Error(`container ${name} has no image`);
  const flags: string[] = [];
  if (pod.hostPID) flags.push('--pid', 'host');
  if (pod.hostNetwork) flags.push('--network', 'host');
  if (pod.terminationGracePeriodSeconds !== undefined) flags.push('--stop-timeout', String(pod.terminationGracePeriodSeconds));
  flags.push(...security(container.securityContext));
  strict(`container ${name} resources`, container.resources, new Set(['requests', 'limits']));
  const limits = container.resources?.limits ?? {};
  strict(`container ${name} limits`, limits, new Set(['memory', 'cpu']));
  if (limits.memory !== undefined) flags.push('--memory', dockerMemory(limits.memory));
  if (limits.cpu !== undefined) flags.push('--cpus', String(limits.cpu).endsWith('m') ? String(parseInt(String(limits.cpu)) / 1000) : String(limits.cpu));
  for (const e of container.env ?? []) {
    if (e.value === undefined) throw new Error(`env ${e.name}: only plain values translate`);
    flags.push('--env', `${e.name}=${e.value}`);
  }
  const createDirs: string[] = [];
  const mustExist: DockerRun['mustExist'] = [];
  for (const m of container.volumeMounts ?? []) {
    strict(`volumeMount ${m.name}`, m, MOUNT_KEYS);
    const volume = pod.volumes?.find((v) => v.name === m.name);
    if (volume === undefined) throw new Error(`volumeMount ${m.name}: no such volume`);
    const readonly = m.readOnly ? ',readonly' : '';
    if (volume.hostPath) {
      const { path, type = '' } = volume.hostPath;
      if (type === 'DirectoryOrCreate') createDirs.push(path);
      else if (['Directory', 'Socket', 'File', 'CharDevice', 'BlockDevice'].includes(type)) mustExist.push({ path, type });
      else throw new Error(`hostPath ${path}: type "${type}" (no check before mounting) is not translated`);
      flags.push('--mount', `type=bind,source=${path},target=${m.mountPath}${readonly}`);
    } else if (volume.configMap || volume.secret) {
      const source = sources.volumes[m.name];
      if (source === undefined) throw new Error(`volume ${m.name} (${volume.configMap ? 'configMap' : 'secret'}): give a host directory standing in for it`);
      flags.push('--mount', `type=bind,source=${source},target=${m.mountPath}${readonly}`);
    } else if (volume.emptyDir) {
      flags.push('--mount', `type=tmpfs,target=${m.mountPath}`);
    } else {
      throw new Error(`volume ${m.name}: only hostPath, configMap, secret and emptyDir translate`);
    }
  }
  const [entrypoint, ...rest] = container.command ?? [];
  if (entrypoint !== undefined) flags.push('--entrypoint', entrypoint);
  return { flags, image: container.image, args: [...rest, ...(container.args ?? [])], createDirs, mustExist };
}

/** The URL a kubelet's httpGet probe asks (host defaults to the pod's IP: here the only one that works is given). */
export function probeUrl(container: IContainer, probe: 'startupProbe' | 'readinessProbe' | 'livenessProbe'): string {
  const get = container[probe]?.httpGet;
  if (get === undefined) throw new Error(`container ${container.name} has no httpGet ${probe}`);
  if (get.host === undefined) throw new Error(`${probe} has no host: with hostNetwork the kubelet would ask the node's IP`);
  return `${get.scheme === 'HTTPS' ? 'https' : 'http'}://${get.host}:${get.port}${get.path ?? '/'}`;
}
