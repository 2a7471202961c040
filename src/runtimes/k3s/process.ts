import { parseDocument } from 'yaml';
import type { Files } from '../../host/files.js';
import { argvOf, processComms } from '../../host/proc.js';
import { configDir, UNITS, unitFor, type K3sKind, type K3sRole } from './layout.js';

/** A running k3s or rke2 agent, as /proc shows it. */
export interface K3sProcess {
  pid: number;
  role: K3sRole;
  argv: string[];
  /** The systemd unit it runs in (from /proc/<pid>/cgroup), when systemd runs it. */
  unit?: string;
  managedBy: 'systemd' | 'none';
  /** --private-registry and --data-dir, from its command line or /etc/rancher/<kind>/config.yaml. */
  registriesPath?: string;
  dataDir?: string;
}

const ROLES: readonly string[] = ['server', 'agent'];
const base = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/**
 * `k3s server` re-executes itself as <data-dir>/data/<hash>/bin/k3s-server with the same argv
 * (k3s cmd/k3s/main.go stageAndRun), so its comm is `k3s-server`/`k3s-agent` and its cmdline
 * still reads `k3s server …`; rke2 runs as `rke2 server|agent`.
 */
function roleOf(kind: K3sKind, comm: string, argv: readonly string[]): K3sRole | undefined {
  if (kind === 'k3s' && (comm === 'k3s-server' || comm === 'k3s-agent')) return comm === 'k3s-server' ? 'server' : 'agent';
  const [arg0, arg1] = argv;
  if (arg0 !== undefined && base(arg0) === kind && arg1 !== undefined && ROLES.includes(arg1) && comm.startsWith(kind)) return arg1 as K3sRole;
  return undefined;
}

/** The last value of a string flag, as urfave/cli reads it: --flag value, --flag=value (or a short alias). */
function flagValue(argv: readonly string[], names: readonly string[]): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    for (const name of names) {
      if (arg === name && i + 1 < argv.length) value = argv[i + 1];
      else if (arg.startsWith(`${name}=`)) value = arg.slice(name.length + 1);
    }
  }
  return value;
}

/** The config file's own values (k3s and rke2 read /etc/rancher/<kind>/config.yaml; CLI flags win). */
async function configFile(files: Files, kind: K3sKind): Promise<Record<string, unknown>> {
  const text = await files.readText(`${configDir(kind)}/config.yaml`).catch(() => undefined);
  if (text === undefined) return {};
  const doc = parseDocument(text);
  const value: unknown = doc.errors.length > 0 ? undefined : doc.toJS();
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** files: already under --root (so /proc is the root's own, empty in a scratch tree). */
export async function findK3s(files: Files, kind: K3sKind, procRoot = '/proc'): Promise<K3sProcess | undefined> {
  for (const { pid, comm } of await processComms(files, procRoot)) {
    if (!comm.startsWith(kind)) continue;
    const argv = argvOf(await files.readText(`${procRoot}/${pid}/cmdline`).catch(() => undefined));
    const role = roleOf(kind, comm, argv);
    if (role === undefined) continue;
    const cgroup = (await files.readText(`${procRoot}/${pid}/cgroup`).catch(() => undefined)) ?? '';
    const unit = UNITS[kind].find((u) => cgroup.split('\n').some((line) => line.endsWith(`/${u}`) || line.includes(`/${u}/`)));
    const systemd = unit !== undefined && (await files.exists('/run/systemd/system'));
    const config = await configFile(files, kind);
    const fromConfig = (key: string) => (typeof config[key] === 'string' ? (config[key] as string) : undefined);
    const registriesPath = flagValue(argv, ['--private-registry']) ?? fromConfig('private-registry');
    const dataDir = flagValue(argv, ['--data-dir', '-d']) ?? fromConfig('data-dir');
    return {
      pid,
      role,
      argv,
      ...(systemd ? { unit } : {}),
      managedBy: systemd ? 'systemd' : 'none',
      ...(registriesPath ? { registriesPath } : {}),
      ...(dataDir ? { dataDir } : {}),
    };
  }
  return undefined;
}

/** The unit to restart: the one the process runs in, else the installer's name for its role. */
export const restartUnit = (kind: K3sKind, p: K3sProcess): string => p.unit ?? unitFor(kind, p.role);
