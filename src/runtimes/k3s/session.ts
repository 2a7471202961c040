import type { Journal, RuntimeRecord } from '../../core/journal.js';
import type { ResolvedDesired } from '../../core/plan-types.js';
import { rooted } from '../../host/host-path.js';
import type { ConfirmOptions, HostPorts, PlanContext, RuntimeSession } from '../types.js';
import { restartCommand } from './activation.js';
import { confirmK3s } from './confirm.js';
import { k3sDrift } from './drift.js';
import type { K3sExpect } from './expect.js';
import type { K3sLayout } from './layout.js';
import { planK3s } from './plan.js';
import { findK3s, restartUnit, type K3sProcess } from './process.js';
import { readK3sFiles } from './read-snapshot.js';
import { k3sRecord } from './record.js';
import type { K3sSnapshot } from './snapshot.js';
import { unplanK3s } from './unplan.js';

export interface K3sSession extends RuntimeSession<K3sSnapshot> {
  readonly layout: K3sLayout;
  readonly agent: K3sProcess | undefined;
}

/** A session for the k3s or rke2 agent of this node; agent undefined: installed (or on record) but not running. */
export function k3sSession(host: HostPorts, layout: K3sLayout, agent: K3sProcess | undefined): K3sSession {
  const files = rooted(host.files, host.root);
  const unit = agent?.managedBy === 'systemd' ? restartUnit(layout.kind, agent) : undefined;
  // When the last restart began: a hosts.toml older than that is from the agent's previous start.
  let restartedAt: number | undefined;

  const snapshot = async (registries: readonly string[], journal: Journal): Promise<K3sSnapshot> => ({
    ...(await readK3sFiles(files, layout, registries, journal)),
    agent: { running: agent !== undefined, ...(unit ? { unit } : {}), ...(agent ? { pid: agent.pid } : {}) },
  });

  return {
    id: layout.id,
    kind: layout.kind,
    label: layout.label,
    running: agent !== undefined,
    // k3s reads registries.yaml when it starts: a join that names it may write the file while it is stopped.
    configurableStopped: true,
    credentials: 'k3s-registries',
    layout,
    agent,
    snapshot,
    plan: (snap, desired: ResolvedDesired, record: RuntimeRecord | undefined, ctx: PlanContext) => planK3s(snap, desired, k3sRecord(record), ctx),
    unplan: (snap, record, ctx) => unplanK3s(snap, k3sRecord(record)!, ctx),
    drift: (snap, record) => k3sDrift(snap, k3sRecord(record)!),
    async activate(plan, log) {
      if (plan.activation === 'none') return;
      // The planner refuses a restart it cannot do; reaching here without a unit is a bug.
      if (unit === undefined) throw new Error(`${layout.label} has no systemd unit to restart`);
      const cmd = restartCommand(unit);
      restartedAt = host.clock.now();
      log(`restarting ${layout.label} (${cmd.join(' ')}); it writes containerd's hosts.toml from ${layout.registriesPath} as it starts`);
      const r = await host.processes.run(cmd[0]!, cmd.slice(1), { timeoutMs: 180_000 });
      if (r.exitCode !== 0) throw new Error(`${cmd.join(' ')} failed: ${r.stderr || r.stdout}`);
    },
    async confirm(plan, which, options: ConfirmOptions) {
      const expected = (which === 'after' ? plan.expect : plan.expectBefore) as K3sExpect | undefined;
      if (expected === undefined) return undefined;
      const running = async () => (await findK3s(files, layout.kind).catch(() => undefined)) !== undefined;
      return confirmK3s({ files, running, clock: host.clock, sleep: host.sleep }, expected, { ...(restartedAt === undefined ? {} : { since: restartedAt }), ...options });
    },
    // No pull through the agent yet (`k3s crictl pull` would be one): the network steps still run.
    verifySteps: () => [],
  };
}
