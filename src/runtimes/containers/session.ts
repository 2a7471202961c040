import type { Journal, RuntimeRecord } from '../../core/journal.js';
import type { RuntimePlan } from '../../core/plan-types.js';
import { crioStatusConfig, reloadCrio, type CrioProcess } from '../../host/containers-tools.js';
import { rooted } from '../../host/host-path.js';
import type { ConfirmOptions, HostPorts, PlanContext, RuntimeSession } from '../types.js';
import { mismatches, type Expected } from './confirm.js';
import { containersDrift } from './drift.js';
import { planContainers } from './plan.js';
import { podmanCli, type Podman } from './podman-cli.js';
import { readContainersFiles } from './read-snapshot.js';
import { containersRecord } from './record.js';
import type { ContainersLayout, ContainersSnapshot } from './snapshot.js';
import { unplanContainers } from './unplan.js';
import type { ContainersVerify } from './verify/context.js';
import { podmanConfig } from './verify/podman-config.js';
import { podmanMirrorPull, podmanRegistryPull } from './verify/pull.js';
import { podmanPushRoundtrip } from './verify/push-roundtrip.js';
import { containersVerifyFacts } from './verify/facts.js';

// podman, buildah, skopeo and CRI-O read the same files (registries.conf and its drop-ins,
// certs.d, the auth files), so they are ONE session: two sessions would plan the same drop-in and
// the same CA files against the same snapshot and overwrite each other's work. Its kind is crio
// when a CRI-O daemon runs (the plan then SIGHUPs it), else podman; `--runtime podman` and
// `--runtime crio` both select it (`serves`), and its journal id stays `containers` either way.

export interface ContainersFacts {
  /** podman, buildah, skopeo (and crio) binaries found: name → path. */
  tools: Record<string, string>;
  crio?: CrioProcess;
}

export interface ContainersSession extends RuntimeSession<ContainersSnapshot> {
  readonly facts: ContainersFacts;
  readonly layout: ContainersLayout;
}

export function containersSession(host: HostPorts, facts: ContainersFacts, layout: ContainersLayout, running = true): ContainersSession {
  const files = rooted(host.files, host.root);
  const kind = facts.crio ? 'crio' : 'podman';
  const info = { id: layout.id, kind, label: layout.label } as const;
  const podman: Podman | undefined = facts.tools.podman === undefined ? undefined : podmanCli(host.processes, facts.tools.podman);

  const snapshot = async (registries: readonly string[], journal: Journal): Promise<ContainersSnapshot> => ({
    ...(await readContainersFiles(files, layout, { hostPorts: registries, journal, env: host.env })),
    crio: facts.crio ? { running: host.processes.isAlive(facts.crio.pid), pid: facts.crio.pid, systemd: facts.crio.managedBy === 'systemd' } : { running: false },
  });
  const verify: ContainersVerify = { podman, files, snapshot: () => snapshot([], { version: 2, registries: {} }) };

  /** podman's view against the plan's expectation; undefined when it matches or podman cannot be asked. */
  const podmanView = async (expected: Expected | undefined): Promise<string | undefined> => {
    if (expected === undefined || podman === undefined) return undefined;
    try {
      const problems = mismatches(await podman.registries(), expected);
      return problems.length === 0 ? undefined : problems.join('; ');
    } catch (error) {
      return (error as Error).message;
    }
  };

  const session: ContainersSession = {
    ...info,
    serves: ['podman', 'crio'],
    running,
    credentials: 'containers-auth',
    facts,
    layout,
    snapshot,
    plan: (snap, desired, record: RuntimeRecord | undefined, ctx: PlanContext) => planContainers(info, snap, desired, containersRecord(record), ctx),
    unplan: (snap, record, ctx) => unplanContainers(info, snap, containersRecord(record)!, { ...ctx, registry: ctx.entry?.registry ?? '' }),
    drift: (snap, record) => containersDrift(snap, containersRecord(record)!),
    async activate(plan: RuntimePlan, log) {
      if (plan.activation === 'none' || facts.crio === undefined) return;
      await reloadCrio(facts.crio, host.processes);
      log('told CRI-O to read its registries again (SIGHUP)');
    },
    async confirm(plan, which, options: ConfirmOptions) {
      const expected = (which === 'after' ? plan.expect : plan.expectBefore) as Expected | undefined;
      if (facts.crio !== undefined && plan.activation !== 'none') {
        // CRI-O reports a failed registries reload only in its log; what can be seen is that it still
        // runs and answers, and that the files it re-read mean what the plan says (podman's parse of them).
        const deadline = host.clock.now() + options.timeoutMs;
        for (;;) {
          const alive = host.processes.isAlive(facts.crio.pid);
          const status = alive ? await crioStatusConfig(host.processes) : undefined;
          if (alive && (status?.supported === false || status?.ok)) break;
          if (host.clock.now() >= deadline) return alive ? `CRI-O does not answer \`crio status config\`: ${status?.output ?? ''}` : `CRI-O (pid ${facts.crio.pid}) is no longer running`;
          await host.sleep(options.pollMs ?? 250);
        }
      }
      return podmanView(expected);
    },
    verifySteps: () => [podmanMirrorPull(verify), podmanRegistryPull(verify), podmanPushRoundtrip(verify), podmanConfig(verify)],
    verifyFacts: () => containersVerifyFacts(session),
  };
  return session;
}
