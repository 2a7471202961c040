import { systemctl, systemdRuns } from '../host/systemd.js';
import type { Files } from '../host/files.js';
import type { Processes } from '../host/processes.js';
import { renderUnit, UNIT_PATH } from './unit-file.js';

// `regsetup agent install|uninstall`: the unit file under --root; systemctl only when systemd is
// PID 1 of this very host (never for a scratch tree or an image build).

export interface InstallPorts {
  /** Under --root. */
  files: Files;
  processes: Processes;
  root: string;
}

/** `started`: systemd runs here and the service was not enabled and active before (enable --now changed that). */
export async function installAgent(ports: InstallPorts, o: Parameters<typeof renderUnit>[0]): Promise<{ path: string; changed: boolean; enabled: boolean; started: boolean }> {
  const text = renderUnit(o);
  const changed = (await ports.files.readText(UNIT_PATH)) !== text;
  if (changed) {
    await ports.files.mkdirp('/etc/systemd/system', 0o755);
    await ports.files.writeAtomic(UNIT_PATH, text, { mode: 0o644 });
  }
  if (!systemdRuns(ports.root)) return { path: UNIT_PATH, changed, enabled: false, started: false };
  const up = async (verb: 'is-enabled' | 'is-active') => (await ports.processes.run('systemctl', [verb, '--quiet', 'regsetup-agent.service'], { timeoutMs: 60_000 })).exitCode === 0;
  const wasUp = (await up('is-enabled')) && (await up('is-active'));
  await systemctl(ports.processes, ['daemon-reload']);
  await systemctl(ports.processes, ['enable', '--now', 'regsetup-agent.service']);
  return { path: UNIT_PATH, changed, enabled: true, started: !wasUp };
}

export async function uninstallAgent(ports: InstallPorts): Promise<{ path: string; removed: boolean; disabled: boolean }> {
  const present = await ports.files.exists(UNIT_PATH);
  const systemd = systemdRuns(ports.root);
  if (present && systemd) await systemctl(ports.processes, ['disable', '--now', 'regsetup-agent.service']);
  if (present) await ports.files.remove(UNIT_PATH);
  if (present && systemd) await systemctl(ports.processes, ['daemon-reload']);
  return { path: UNIT_PATH, removed: present, disabled: present && systemd };
}
