import { parseDaemonJson } from '../../core/daemon-json.js';
import { refused } from '../../core/errors.js';
import { DEFAULT_STATE_DIR, type Journal, type RuntimeRecord } from '../../core/journal.js';
import { contentBytes, type ResolvedDesired, type RuntimePlan } from '../../core/plan-types.js';
import type { DockerApi, DockerInfo } from '../../host/docker-api.js';
import { flagSources, hasValidateFlag, reloadDockerd, validateConfig, type DockerdProcess } from '../../host/dockerd.js';
import { rooted } from '../../host/host-path.js';
import type { ConfirmOptions, HostPorts, PlanContext, RuntimeSession } from '../types.js';
import { confirmDaemon, type Expected } from './confirm.js';
import { notYours, restartOf } from './daemon-owner.js';
import { dockerDrift } from './drift.js';
import { planDocker } from './plan.js';
import { readDockerFiles } from './read-snapshot.js';
import type { DockerLayout } from './layout.js';
import { dockerRecord } from './record.js';
import type { DockerSnapshot } from './snapshot.js';
import { unplanDocker } from './unplan.js';
import { mirrorPull, registryPull } from './verify/daemon-pull.js';
import { daemonConfig } from './verify/daemon-config.js';
import { pushRoundtrip } from './verify/push-roundtrip.js';
import { liveDaemon, type DockerVerify } from './verify/context.js';

export { CERTS_DIR, type DockerLayout } from './layout.js';
export { othersRootless } from './daemon-owner.js';

export interface DockerSession extends RuntimeSession<DockerSnapshot> {
  readonly docker: DockerApi;
  readonly dockerd: DockerdProcess | undefined;
  /** The daemon's view when the session was opened, or why it could not be had. */
  readonly daemon: { info: DockerInfo } | { error: unknown };
  readonly layout: DockerLayout;
  /** The user regsetup runs as: a session configures only a daemon of that user (root: the system's). */
  readonly asUid: number;
}

/** The refusal a join gets when this daemon cannot be configured (not answering, or not on this host). */
export function unusable(session: DockerSession): Error | undefined {
  const foreign = notYours(session);
  if (foreign) return foreign;
  if ('error' in session.daemon) {
    const e = session.daemon.error as Error;
    return refused('ERR_DOCKER_UNREACHABLE', e.message, (e as { hint?: string }).hint ?? 'Start dockerd (or point --docker-host at it) and run the command again; nothing was changed.');
  }
  if (session.dockerd === undefined) {
    return refused('ERR_DOCKERD_NOT_FOUND', 'the Docker API answers, but no dockerd process was found on this host', 'regsetup configures the local daemon: run it on the node itself (not against a remote --docker-host).');
  }
  return undefined;
}

export function dockerSession(host: HostPorts, docker: DockerApi, daemon: DockerSession['daemon'], dockerd: DockerdProcess | undefined, layout: DockerLayout): DockerSession {
  const files = rooted(host.files, host.root);
  const info = 'info' in daemon ? daemon.info : undefined;
  const asUid = host.uid ?? 0;
  const restart = restartOf(dockerd, asUid);

  const snapshot = async (registries: readonly string[], journal: Journal): Promise<DockerSnapshot> => ({
    ...(await readDockerFiles(files, { daemonJsonPath: layout.daemonJsonPath, certsDir: layout.certsDir, hostPorts: registries, journal, runtime: layout.id })),
    flagSources: await flagSources({ files: host.files, ...(dockerd ? { dockerd } : {}), root: host.root }),
    dockerd: {
      running: info !== undefined,
      liveRestore: info?.liveRestore ?? false,
      runningContainers: info?.runningContainers ?? 0,
      supportsValidate: hasValidateFlag(info?.serverVersion ?? ''),
      canRestart: restart !== undefined,
      containerdStore: info?.containerdStore ?? false,
      ...(info?.serverVersion ? { version: info.serverVersion } : {}),
    },
  });

  const session: DockerSession = {
    id: layout.id,
    kind: 'docker',
    label: layout.label,
    running: info !== undefined,
    ...(dockerd?.variant === 'rootless' ? { owner: dockerd.uid } : {}),
    credentials: 'docker-config',
    docker,
    dockerd,
    daemon,
    layout,
    asUid,
    snapshot,
    plan: (snap, desired: ResolvedDesired, record: RuntimeRecord | undefined, ctx: PlanContext) => {
      const problem = unusable(session);
      if (problem) throw problem;
      return planDocker(layout, snap, desired, dockerRecord(record), ctx);
    },
    unplan: (snap, record, ctx) => unplanDocker(layout, snap, dockerRecord(record)!, { ...ctx, registry: ctx.entry?.registry ?? '' }),
    drift: (snap, record) => dockerDrift(snap, dockerRecord(record)!),
    async check(plan: RuntimePlan) {
      // dockerd ≥ 23 can check a config file itself; older ones (Debian 12's 20.10) rely on our schema and the confirm step.
      const write = plan.actions.find((a) => a.kind === 'write-file' && a.path === layout.daemonJsonPath);
      if (!hasValidateFlag(info?.serverVersion ?? '') || write?.kind !== 'write-file') return;
      const stateDir = host.stateDir ?? DEFAULT_STATE_DIR;
      const tmp = `${stateDir}/validate-daemon.json`;
      await files.mkdirp(stateDir, 0o700);
      await files.writeAtomic(tmp, contentBytes(write.after, write.encoding), { mode: 0o600 });
      const result = await validateConfig(host.processes, `${host.root === '/' ? '' : host.root}${tmp}`).finally(() => files.remove(tmp));
      if (result.supported && result.ok === false) {
        throw refused('ERR_DAEMON_JSON_REJECTED', `dockerd --validate refuses the merged daemon.json: ${result.output ?? ''}`, 'Nothing was changed.');
      }
    },
    async activate(plan, log) {
      if (plan.activation === 'none') return;
      if (plan.activation === 'restart') {
        if (restart === undefined) throw refused('ERR_NO_RESTART', 'The plan needs a dockerd restart, but regsetup does not know how to restart it here', 'Use --restart never and restart dockerd yourself.');
        const r = await host.processes.run(restart.argv[0]!, restart.argv.slice(1), { timeoutMs: 120_000, ...(restart.env ? { env: restart.env } : {}) });
        if (r.exitCode !== 0) throw new Error(`${restart.argv.join(' ')} failed: ${r.stderr || r.stdout}`);
        log('restarted dockerd; waiting for it to show the new settings');
        return;
      }
      await reloadDockerd({ dockerd: dockerd!, processes: host.processes });
      log('reloaded dockerd; waiting for it to show the new settings');
    },
    async confirm(plan, which, options: ConfirmOptions) {
      const expected = (which === 'after' ? plan.expect : plan.expectBefore) as Expected | undefined;
      if (expected === undefined) return undefined;
      return confirmDaemon(docker, expected, { clock: host.clock, sleep: host.sleep, ...options });
    },
    async verifyFacts() {
      // As the daemon is now (a join just reloaded it), and daemon.json's insecure entries for when it cannot be asked.
      const info = await docker.info().catch(() => undefined);
      let fileInsecure: string[] = [];
      try {
        const file = parseDaemonJson((await files.readBytes(layout.daemonJsonPath)) ?? '', layout.daemonJsonPath);
        if (Array.isArray(file['insecure-registries'])) fileInsecure = file['insecure-registries'].filter((e): e is string => typeof e === 'string');
      } catch {
        // the daemon-config step reports a malformed file
      }
      return { ...(info ? { dockerInfo: info } : {}), fileInsecure, certsDirs: [layout.certsDir] };
    },
    verifySteps: () => {
      // The daemon's view as it is when verification runs (after a join's reload), not when the session was opened.
      const verify: DockerVerify = { docker, daemon: liveDaemon(docker), daemonJsonPath: layout.daemonJsonPath, certsDir: layout.certsDir, files };
      return [mirrorPull(verify), registryPull(verify), pushRoundtrip(verify), daemonConfig(verify)];
    },
  };
  return session;
}
