import { posix } from 'node:path';
import type { Files } from './files.js';
import { resolveHostPath } from './host-path.js';
import { processComms } from './proc.js';
import type { Processes } from './processes.js';

// The containers/image family on this host: the podman, buildah and skopeo binaries (processes
// that read their configuration at every command) and a running CRI-O daemon (told with SIGHUP).

const TOOLS = ['podman', 'buildah', 'skopeo'] as const;
// sudo's secure_path and a minimal service PATH both may lack some of these.
const STANDARD_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The tools found, by name → path (first on PATH, then the standard directories). */
export async function findContainersTools(files: Files, root: string, env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const dirs = [...new Set([...(env.PATH ?? '').split(':').filter((d) => d.startsWith('/')), ...STANDARD_DIRS])];
  const found: Record<string, string> = {};
  for (const tool of [...TOOLS, 'crio']) {
    for (const dir of dirs) {
      const stat = await files.stat(resolveHostPath(root, posix.join(dir, tool))).catch(() => undefined);
      if (stat && !stat.isDirectory && (stat.mode & 0o111) !== 0) {
        found[tool] = posix.join(dir, tool);
        break;
      }
    }
  }
  return found;
}

export interface CrioProcess {
  pid: number;
  /** systemd runs it (crio.service: ExecReload sends SIGHUP), else only a signal reaches it. */
  managedBy: 'systemd' | 'none';
}

/** The running crio, as /proc shows it. */
export async function findCrio(input: { files: Files; root: string; procRoot?: string }): Promise<CrioProcess | undefined> {
  const { files, root, procRoot = '/proc' } = input;
  const read = (path: string) => files.readText(resolveHostPath(root, path));
  for (const { pid, comm } of await processComms(files, resolveHostPath(root, procRoot))) {
    if (comm !== 'crio') continue;
    const cgroup = (await read(`${procRoot}/${pid}/cgroup`)) ?? '';
    const systemd = (await files.exists(resolveHostPath(root, '/run/systemd/system'))) && /\/crio\.service\b/.test(cgroup);
    return { pid, managedBy: systemd ? 'systemd' : 'none' };
  }
  return undefined;
}

/** SIGHUP, through systemd when it runs CRI-O (so its unit state stays right). */
export async function reloadCrio(crio: CrioProcess, processes: Processes): Promise<void> {
  if (crio.managedBy === 'systemd') {
    const r = await processes.run('systemctl', ['reload', 'crio'], { timeoutMs: 60_000 });
    if (r.exitCode !== 0) throw new Error(`systemctl reload crio failed: ${(r.stderr || r.stdout).trim()}`);
    return;
  }
  processes.sendSignal(crio.pid, 'SIGHUP');
}

/**
 * `crio status config` (CRI-O ≥ 1.28; before, the same command is the `crio-status` binary): it asks
 * the daemon over its socket, so it proves CRI-O still answers after the reload. `supported: false`
 * when neither exists.
 */
export async function crioStatusConfig(processes: Processes): Promise<{ supported: boolean; ok: boolean; output: string }> {
  for (const [cmd, args] of [['crio', ['status', 'config']], ['crio-status', ['config']]] as const) {
    const r = await processes.run(cmd, args, { timeoutMs: 15_000 });
    const output = (r.stderr || r.stdout).trim();
    if (r.exitCode === 127 || /No help topic for 'status'|flag provided but not defined|unknown command/i.test(output)) continue;
    return { supported: true, ok: r.exitCode === 0, output: r.exitCode === 0 ? '' : output };
  }
  return { supported: false, ok: false, output: '' };
}
