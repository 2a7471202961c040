import { existsSync } from 'node:fs';
import { resolveHostPath } from './host-path.js';
import type { Processes } from './processes.js';

// systemd, when it runs the node: is it PID 1, tell it we are ready (Type=notify), enable a unit.

/** systemd's own test (sd_booted): /run/systemd/system exists. */
export const systemdRuns = (root = '/'): boolean => root === '/' && existsSync(resolveHostPath(root, '/run/systemd/system'));

/** READY=1 through systemd-notify when systemd started us with a notify socket; nothing otherwise. */
export async function notifyReady(processes: Processes, env: NodeJS.ProcessEnv, status: string): Promise<void> {
  if (!env.NOTIFY_SOCKET) return;
  await processes.run('systemd-notify', ['--ready', `--status=${status}`], { timeoutMs: 5000 });
}

export async function systemctl(processes: Processes, args: string[]): Promise<void> {
  const r = await processes.run('systemctl', args, { timeoutMs: 60_000 });
  if (r.exitCode !== 0) throw new Error(`systemctl ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
}
