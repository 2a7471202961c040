import type { RestartPolicy } from '../../core/desired-state.js';
import { refused } from '../../core/errors.js';
import type { Activation } from '../../core/plan-types.js';
import type { K3sSnapshot } from './snapshot.js';

// k3s (and rke2) turn registries.yaml into containerd's hosts.toml files only when they start
// (docs.k3s.io/installation/private-registry: "Upon startup, K3s will check to see if
// registries.yaml exists"), so a changed registries.yaml needs a restart of the agent. The files
// that hosts.toml only points at (the CA, the client pair) are read by containerd at each pull
// (containerd's hosts.md: updates under the hosts directory need no restart; docs/host-behaviour.md, containerd).

export interface K3sDecision {
  activation: Activation;
  activationDetail?: string;
  warnings: string[];
}

const command = (unit: string | undefined) => `systemctl restart ${unit ?? 'k3s'}`;

export function decideK3sActivation(registriesChanged: boolean, policy: RestartPolicy, snapshot: Pick<K3sSnapshot, 'agent' | 'layout'>): K3sDecision {
  if (!registriesChanged) return { activation: 'none', warnings: [] };
  const { agent, layout } = snapshot;
  const path = layout.registriesPath;
  if (!agent.running) {
    return { activation: 'none', warnings: [`${layout.label} is not running: it reads ${path} when it starts next.`] };
  }
  if (agent.unit === undefined) {
    throw refused(
      'ERR_NO_RESTART',
      `${layout.label} (pid ${agent.pid ?? '?'}) must restart to read ${path} (it writes containerd's configuration only at start), but it does not run under systemd here, so regsetup cannot restart it`,
      `Stop ${layout.label}, run the command again (regsetup then writes the file, which ${layout.label} reads at its next start), and start ${layout.label} again. Nothing was changed.`,
    );
  }
  if (policy === 'never' || policy === 'reload') {
    throw refused(
      'ERR_RESTART_REQUIRED',
      `${path} takes effect only when ${layout.label} restarts (\`${command(agent.unit)}\`; it writes containerd's configuration at start), and --restart ${policy} forbids that. Nothing was changed`,
      `Run again with --restart auto to let regsetup run \`${command(agent.unit)}\` (pods keep running), or stop ${layout.label} (\`systemctl stop ${agent.unit}\`), run again, then \`systemctl start ${agent.unit}\`.`,
    );
  }
  // The installers' units stop only the agent (KillMode=process): pods keep running through it.
  return { activation: 'restart', activationDetail: `${command(agent.unit)}; running pods keep running`, warnings: [] };
}

export const restartCommand = (unit: string): string[] => ['systemctl', 'restart', unit];
