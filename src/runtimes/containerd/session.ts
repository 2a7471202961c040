import { refused } from '../../core/errors.js';
import type { Journal, RuntimeRecord } from '../../core/journal.js';
import type { RuntimePlan } from '../../core/plan-types.js';
import { criClient, type CriClient } from '../../host/cri/cri-client.js';
import { rooted } from '../../host/host-path.js';
import { restartProcess, serviceOf, type ServiceOf } from '../../host/service-restart.js';
import { selfCommand } from '../../host/self-install.js';
import type { ConfirmOptions, HostPorts, PlanContext, RuntimeSession } from '../types.js';
import { configPathInUse, confirmContainerd, type ConfigPathInUse, type ContainerdExpect } from './confirm.js';
import { DEFAULT_HOSTS_ROOT, registrySettings } from './config.js';
import { containerdDrift } from './drift.js';
import { readHostTables } from './hosts.js';
import { deprecatedTrap } from './migrate.js';
import { planContainerd } from './plan.js';
import { readContainerdFiles } from './read-snapshot.js';
import { containerdRecord } from './record.js';
import type { ContainerdSnapshot } from './snapshot.js';
import { unplanContainerd } from './unplan.js';
import { criVerifySteps } from './verify/steps.js';

export interface ContainerdProcess {
  pid: number;
  argv: string[];
  configFile: string;
  socket: string;
  version: ContainerdSnapshot['version'];
  /** CRI answers on the socket (the plugin is loaded). */
  cri: boolean;
  /** Why CRI does not answer, when it does not. */
  criError?: Error;
}

export interface ContainerdSession extends RuntimeSession<ContainerdSnapshot> {
  readonly process: ContainerdProcess | undefined;
  cri(): CriClient;
  /** The hosts roots containerd uses as it runs (CRI Status), or as its binary reads the files (2.0–2.3); throws what CRI says. */
  configPathInUse(): Promise<ConfigPathInUse | undefined>;
}

export function containerdSession(host: HostPorts, id: string, p: ContainerdProcess | undefined, configFile: string, kubelet: ContainerdSnapshot['kubelet']): ContainerdSession {
  const files = rooted(host.files, host.root);
  const label = 'containerd (CRI)';
  let current = p;
  let client: CriClient | undefined;
  const cri = () => (client ??= criClient({ socket: current?.socket ?? '/run/containerd/containerd.sock' }));
  const service: ServiceOf | undefined = p && host.root === '/' ? serviceOf(p.pid) : p ? { how: 'process' } : undefined;
  const info = { id, label, configFile };
  const confirmPorts = () => ({ processes: host.processes, clock: host.clock, sleep: host.sleep, configFile: `${host.root === '/' ? '' : host.root}${configFile}` });

  const session: ContainerdSession = {
    id,
    kind: 'containerd',
    label,
    running: p !== undefined,
    credentials: 'kubelet-credential-provider',
    process: p,
    cri,
    async snapshot(_registries: readonly string[], journal: Journal): Promise<ContainerdSnapshot> {
      const read = await readContainerdFiles(files, { configFile, journal, runtime: id, provider: true, ...(kubelet ? { kubelet } : {}) });
      return {
        ...read,
        version: p?.version ?? { major: 1, minor: 6, text: 'unknown (not running)' },
        running: p !== undefined,
        canRestart: p !== undefined && service !== undefined && service.how !== 'unreachable',
        ...(kubelet ? { kubelet } : {}),
        selfCommand: selfCommand(),
      };
    },
    plan(snap, desired, record: RuntimeRecord | undefined, ctx: PlanContext) {
      if (p === undefined) throw refused('ERR_RUNTIME_NOT_RUNNING', 'containerd is not running', 'Start containerd and run the command again; nothing was changed.');
      // CRI down because of the deprecated-section trap: the migration (and its restart) is the cure.
      const cure = desired.migrateContainerdMirrors && deprecatedTrap(snap) !== undefined;
      if (!p.cri && !cure) throw p.criError ?? refused('ERR_CRI_UNIMPLEMENTED', `containerd (pid ${p.pid}) does not answer CRI on ${p.socket}`, 'Enable its CRI plugin (remove "cri" from disabled_plugins in config.toml) and restart it.');
      return planContainerd(info, snap, desired, containerdRecord(record), ctx);
    },
    unplan: (snap, record, ctx) => unplanContainerd(info, snap, containerdRecord(record)!, { ...ctx, registry: ctx.entry?.registry ?? '' }),
    drift: (snap, record) => containerdDrift(snap, containerdRecord(record)!),
    async activate(plan: RuntimePlan, log) {
      if (plan.activation !== 'restart' || current === undefined) return;
      client?.close();
      client = undefined;
      const pid = await restartProcess(current.pid, { processes: host.processes, clock: host.clock, sleep: host.sleep }, service ? { service } : {});
      if (pid !== undefined) current = { ...current, pid };
      log(`restarted containerd${service?.how === 'systemd' ? ` (${service.viaNsenter ? 'nsenter -t 1 … ' : ''}systemctl restart ${service.unit})` : pid ? ` (now pid ${pid})` : ''}; waiting for CRI to show config_path`);
    },
    async confirm(plan, which, options: ConfirmOptions) {
      const expected = (which === 'after' ? plan.expect : plan.expectBefore) as ContainerdExpect | undefined;
      if (expected === undefined) return undefined;
      client?.close();
      client = undefined;
      return confirmContainerd(cri, confirmPorts(), expected, options);
    },
    configPathInUse: () => configPathInUse(cri, confirmPorts()),
    verifySteps: () => criVerifySteps({ cri, files, root: host.root }),
    async verifyFacts() {
      // containerd's CAs sit in its hosts directories; skip_verify there makes a host insecure to it.
      try {
        const snap = await session.snapshot([], { version: 2, registries: {} });
        const roots = registrySettings(snap).configPath ?? [DEFAULT_HOSTS_ROOT];
        const fileInsecure = Object.entries(snap.hostsFiles)
          .filter(([path, text]) => path.endsWith('/hosts.toml') && Object.values(readHostTables(text, path) ?? {}).some((t) => t.skip_verify === true))
          .map(([path]) => path.split('/').at(-2)!.replace(/_(\d+)_$/, ':$1'));
        return { certsDirs: roots, fileInsecure };
      } catch {
        return { certsDirs: [DEFAULT_HOSTS_ROOT] };
      }
    },
  };
  return session;
}
