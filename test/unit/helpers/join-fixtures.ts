// Shared data for the plan, journal and apply tests: literal snapshots and desired states, and
// the Docker runtime's pure planners composed the way converge composes them.
import { emptyJournal, forgetRegistry, recordJoin, type Journal, type JournalEntry } from '../../../src/core/journal.js';
import { composeJoin, composeLeave } from '../../../src/core/plan-compose.js';
import type { Plan, ResolvedDesired, RuntimePlan } from '../../../src/core/plan-types.js';
import { ExitCode, RegsetupError } from '../../../src/core/errors.js';
import { planDocker } from '../../../src/runtimes/docker/plan.js';
import { dockerRecord } from '../../../src/runtimes/docker/record.js';
import type { DockerSnapshot } from '../../../src/runtimes/docker/snapshot.js';
import { unplanDocker } from '../../../src/runtimes/docker/unplan.js';

/** A PEM-shaped certificate: the planner compares DER bytes, so any base64 body will do. */
export const pem = (label: string): string =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(`certificate of ${label}`).toString('base64')}\n-----END CERTIFICATE-----\n`;

export const DAEMON_JSON = '/etc/docker/daemon.json';
export const CERTS = '/etc/docker/certs.d';
export const SESSION = { id: 'docker', label: 'dockerd' };

/** A Docker snapshot plus the journal the planner is given next to it. */
export type TestSnapshot = DockerSnapshot & { journal?: Journal };

export function snapshot(overrides: Partial<TestSnapshot> = {}): TestSnapshot {
  return {
    daemonJsonPath: DAEMON_JSON,
    certsDir: CERTS,
    existingCaFiles: {},
    flagSources: [],
    dockerd: { running: true, liveRestore: false, runningContainers: 0, supportsValidate: false, canRestart: true },
    ...overrides,
  };
}

type DesiredOverrides = Omit<Partial<ResolvedDesired>, 'mirrors'> & { mirrors?: string[]; caPem?: string };

/** A resolved desired state; `mirrors` are Docker Hub mirror URLs, `caPem` the one CA (undefined: none). */
export function desired(overrides: DesiredOverrides = {}): ResolvedDesired {
  const { mirrors = ['https://nexus.example.com'], ...rest } = overrides;
  const caPem = 'caPem' in overrides ? overrides.caPem : pem('lab CA');
  delete rest.caPem;
  return {
    registry: 'nexus.example.com',
    mirrors: mirrors.map((url) => ({ upstream: 'docker.io', url })),
    insecure: false,
    caPems: caPem === undefined ? [] : [caPem],
    restart: 'auto',
    kubeletCredentialProvider: false,
    migrateContainerdMirrors: false,
    k3sStoreAuthPlaintext: false,
    ...rest,
  };
}

const ctxOf = (s: TestSnapshot, registry: string, now: number) => {
  const journal = s.journal ?? emptyJournal();
  const entry = journal.registries[registry];
  return { journal, ...(entry ? { entry } : {}), now };
};

/** The Docker runtime's join plan, composed as converge composes it. */
export function planJoin(s: TestSnapshot, d: ResolvedDesired, now: number): Plan {
  const ctx = ctxOf(s, d.registry, now);
  const runtime = planDocker(SESSION, s, d, dockerRecord(ctx.entry?.runtimes.docker), ctx);
  return composeJoin([runtime], { journal: ctx.journal, registry: d.registry, ...(d.pushRegistry ? { pushRegistry: d.pushRegistry } : {}), now });
}

/** The Docker runtime's leave plan; ERR_NOT_MANAGED as converge says it for a registry never joined. */
export function planLeave(s: TestSnapshot, registry: string, now: number): Plan {
  const ctx = ctxOf(s, registry, now);
  if (ctx.entry === undefined) throw new RegsetupError('ERR_NOT_MANAGED', `regsetup has no record of joining ${registry}`, { hint: 'Run `regsetup status`.', exitCode: ExitCode.usage });
  const runtime = unplanDocker(SESSION, s, dockerRecord(ctx.entry.runtimes.docker)!, { ...ctx, registry });
  return composeLeave([runtime], { journal: ctx.journal, registry, now });
}

/** The plan's one runtime part (the tests plan Docker only). */
export const dockerPart = (plan: Plan): RuntimePlan => plan.runtimes[0]!;

/** The snapshot a host would give after a plan ran: what the next plan sees. */
export function afterPlan(before: TestSnapshot, plan: Plan): TestSnapshot {
  const next: TestSnapshot = { ...before, existingCaFiles: structuredClone(before.existingCaFiles), hostsToml: { ...before.hostsToml } };
  for (const action of plan.runtimes.flatMap((r) => r.actions)) {
    const text = action.kind === 'write-file' ? action.after : undefined;
    if (action.path === before.daemonJsonPath) {
      next.daemonJsonText = text;
      continue;
    }
    if (action.path.endsWith('/hosts.toml')) {
      if (text === undefined) delete next.hostsToml![action.path];
      else next.hostsToml![action.path] = text;
      continue;
    }
    const [hostPort, name] = action.path.slice(`${before.certsDir}/`.length).split('/') as [string, string];
    const dir = (next.existingCaFiles[hostPort] ??= {});
    if (text === undefined) delete dir[name];
    else dir[name] = text;
  }
  const journal = before.journal ?? emptyJournal();
  const update = plan.journal;
  if (update?.op === 'forget') next.journal = forgetRegistry(journal, update.registry);
  if (update?.op === 'record') {
    const runtimes = Object.fromEntries(
      Object.entries(update.entry.runtimes).map(([id, record]) => [
        id,
        {
          ...record,
          files: record.files.map((f) =>
            f.previous === undefined ? { path: f.path, sha256: f.sha256 } : { ...f, previous: { sha256: f.previous.sha256, backupPath: f.previous.backupPath ?? `/var/lib/regsetup/backups/t${f.path}` } },
          ),
        },
      ]),
    );
    next.journal = recordJoin(journal, { ...update.entry, runtimes } as JournalEntry);
  }
  return next;
}

/** The RegsetupError a planner call throws (the test fails when it throws none). */
export function failure(fn: () => unknown): RegsetupError {
  try {
    fn();
  } catch (error) {
    return error as RegsetupError;
  }
  throw new Error('expected a refusal');
}
