// Literal snapshots of the containers files (podman, buildah, skopeo, CRI-O) and the containers
// runtime's pure planners composed the way converge composes them.
import { emptyJournal, forgetRegistry, recordJoin, type Journal, type JournalEntry } from '../../../src/core/journal.js';
import { composeJoin, composeLeave } from '../../../src/core/plan-compose.js';
import type { Plan, ResolvedDesired, RuntimePlan } from '../../../src/core/plan-types.js';
import { containersDrift } from '../../../src/runtimes/containers/drift.js';
import { planContainers, type ContainersSessionInfo } from '../../../src/runtimes/containers/plan.js';
import { containersRecord } from '../../../src/runtimes/containers/record.js';
import { containersLayout, type ContainersSnapshot, type ReadFile } from '../../../src/runtimes/containers/snapshot.js';
import { unplanContainers } from '../../../src/runtimes/containers/unplan.js';

export const LAYOUT = containersLayout({}, 0, '/root', { id: 'containers', label: 'podman' });
export const DROP_IN = LAYOUT.dropIn;
export const CONTAINERS_CERTS = LAYOUT.certsDir;
export const DOCKER_CERTS = LAYOUT.dockerCertsDir;
export const AUTH = LAYOUT.authFile;
export const PODMAN: ContainersSessionInfo = { id: 'containers', kind: 'podman', label: 'podman' };
export const CRIO: ContainersSessionInfo = { id: 'containers', kind: 'crio', label: 'CRI-O' };

export type TestContainersSnapshot = ContainersSnapshot & { journal?: Journal };

export const text = (t: string, mode = 0o644): ReadFile => ({ state: 'text', text: t, mode });

/** A Debian 12 host after `apt install podman`: a comment-only registries.conf and shortnames.conf. */
export function containersSnapshot(overrides: Partial<TestContainersSnapshot> = {}): TestContainersSnapshot {
  return {
    layout: LAYOUT,
    registriesConf: text('# For more information on this configuration file, see containers-registries.conf(5).\n'),
    dropIns: [{ path: `${LAYOUT.dropInDir}/shortnames.conf`, file: text('[aliases]\n  "alpine" = "docker.io/library/alpine"\n') }],
    userDropIns: [],
    userRegistriesConf: false,
    certs: {},
    authFile: { state: 'absent' },
    runtimeAuth: [],
    crio: { running: false },
    ...overrides,
  };
}

/** A snapshot whose system drop-ins include `files` (path → text), kept in name order. */
export function withDropIns(s: TestContainersSnapshot, files: Record<string, string>): TestContainersSnapshot {
  const dropIns = [...s.dropIns.filter((d) => !(d.path in files)), ...Object.entries(files).map(([path, t]) => ({ path, file: text(t) }))];
  return { ...s, dropIns: dropIns.sort((a, b) => (a.path < b.path ? -1 : 1)) };
}

const ctxOf = (s: TestContainersSnapshot, registry: string, now: number) => {
  const journal = s.journal ?? emptyJournal();
  const entry = journal.registries[registry];
  return { journal, ...(entry ? { entry } : {}), now };
};

export function planJoinContainers(s: TestContainersSnapshot, d: ResolvedDesired, now: number, session = PODMAN): Plan {
  const ctx = ctxOf(s, d.registry, now);
  const runtime = planContainers(session, s, d, containersRecord(ctx.entry?.runtimes.containers), ctx);
  return composeJoin([runtime], { journal: ctx.journal, registry: d.registry, ...(d.pushRegistry ? { pushRegistry: d.pushRegistry } : {}), now });
}

export function planLeaveContainers(s: TestContainersSnapshot, registry: string, now: number, session = PODMAN): Plan {
  const ctx = ctxOf(s, registry, now);
  const runtime = unplanContainers(session, s, containersRecord(ctx.entry!.runtimes.containers)!, { ...ctx, registry });
  return composeLeave([runtime], { journal: ctx.journal, registry, now });
}

export const driftOf = (s: TestContainersSnapshot, registry: string) => containersDrift(s, containersRecord(s.journal!.registries[registry]!.runtimes.containers)!);

export const part = (plan: Plan): RuntimePlan => plan.runtimes[0]!;

/** The snapshot the host would give after a plan ran: what the next plan sees. */
export function afterContainersPlan(before: TestContainersSnapshot, plan: Plan): TestContainersSnapshot {
  let next: TestContainersSnapshot = { ...before, certs: structuredClone(before.certs) };
  for (const action of plan.runtimes.flatMap((r) => r.actions)) {
    const after = action.kind === 'write-file' ? action.after : undefined;
    if (action.path === AUTH) {
      next.authFile = after === undefined ? { state: 'absent' } : text(after, action.kind === 'write-file' ? action.mode : 0o600);
    } else if (action.path.startsWith(`${LAYOUT.dropInDir}/`)) {
      next = after === undefined ? { ...next, dropIns: next.dropIns.filter((d) => d.path !== action.path) } : withDropIns(next, { [action.path]: after });
    } else {
      const tree = action.path.startsWith(`${CONTAINERS_CERTS}/`) ? 'containers' : 'docker';
      const base = tree === 'containers' ? CONTAINERS_CERTS : DOCKER_CERTS;
      const [hostPort, name] = action.path.slice(base.length + 1).split('/') as [string, string];
      const dirs = (next.certs[hostPort] ??= {});
      const dir = (dirs[tree] ??= {});
      if (after === undefined) delete dir[name];
      else dir[name] = after;
      // apply removes a directory left empty.
      if (Object.keys(dir).length === 0) delete dirs[tree];
    }
  }
  const journal = before.journal ?? emptyJournal();
  const update = plan.journal;
  if (update?.op === 'forget') next.journal = forgetRegistry(journal, update.registry);
  if (update?.op === 'record') {
    const runtimes = Object.fromEntries(
      Object.entries(update.entry.runtimes).map(([id, record]) => [
        id,
        { ...record, files: record.files.map((f) => (f.previous === undefined ? { path: f.path, sha256: f.sha256 } : { ...f, previous: { sha256: f.previous.sha256, backupPath: f.previous.backupPath ?? `/var/lib/regsetup/backups/t${f.path}` } })) },
      ]),
    );
    next.journal = recordJoin(journal, { ...update.entry, runtimes } as JournalEntry);
  }
  return next;
}

export const writeOf = (plan: Plan, path: string) =>
  plan.runtimes.flatMap((r) => r.actions).find((a) => a.path === path && a.kind === 'write-file') as { after: string; before?: string; mode: number; secret?: boolean } | undefined;
