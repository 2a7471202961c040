import { isDeepStrictEqual } from 'node:util';
import { applyPlan, type ApplyReport } from '../apply/apply.js';
import type { DesiredState, RestartPolicy } from '../core/desired-state.js';
import { ExitCode, RegsetupError, refused, usageError } from '../core/errors.js';
import { DEFAULT_STATE_DIR, journalPath, parseJournal, type Journal } from '../core/journal.js';
import { composeJoin, composeLeave } from '../core/plan-compose.js';
import { renderPlanDiff } from '../core/plan-render.js';
import { isEmptyPlan, joinHosts, planActions, type Plan, type ResolvedDesired } from '../core/plan-types.js';
import type { StartProgress } from '../core/progress.js';
import { parseRegistry } from '../core/registry-name.js';
import { rooted } from '../host/host-path.js';
import { preflight, type Preflight, type PreflightInput } from '../preflight/resolve.js';
import { detectSessions, selectSessions, sessionsForEntry, whyNot } from '../runtimes/registry.js';
import type { HostPorts, RuntimeSession } from '../runtimes/types.js';
import { desiredDigest } from './digest.js';

// The one entry for changing a node (docs/architecture.md): join, leave, doctor's fixes and the
// agent all come through here. Preflight once, plan every runtime, one question, then one apply
// of every runtime under one lock — and, should any of them not take it, a rollback of all.

export interface ConvergeIo {
  yes: boolean;
  note(line: string): void;
  /** Asks the operator; undefined without a TTY (or with --yes / --json). */
  confirm?: (question: string) => Promise<boolean>;
  /** What runs now (a CA fetch, the registry's checks, a restart wait), on a terminal only. */
  progress?: StartProgress;
}

export interface Prepared {
  operation: 'join' | 'leave';
  sessions: RuntimeSession[];
  plan: Plan;
  /** Plans again from the host as it is now (apply calls it under the lock). */
  replan: () => Promise<Plan>;
  preflight?: Preflight;
}

export interface ConvergeHost {
  ports: HostPorts;
  stateDir?: string;
}

/** The one answer to "where is this run's journal": the host's own (a rootless user's), else root's. */
export const stateDirOf = (host: ConvergeHost): string => host.stateDir ?? host.ports.stateDir ?? DEFAULT_STATE_DIR;

export async function readJournal(host: ConvergeHost): Promise<Journal> {
  const path = journalPath(stateDirOf(host));
  return parseJournal(await rooted(host.ports.files, host.ports.root).readText(path), path);
}

/** Every runtime's plan for a resolved desired state, against the host as it is now. */
export async function planJoinNow(sessions: readonly RuntimeSession[], resolved: ResolvedDesired, host: ConvergeHost, digest?: string): Promise<Plan> {
  const journal = await readJournal(host);
  const entry = journal.registries[resolved.registry];
  const now = host.ports.clock.now();
  const hosts = joinHosts(resolved);
  const plans = [];
  for (const s of sessions) plans.push(s.plan(await s.snapshot(hosts, journal), resolved, entry?.runtimes[s.id], { journal, ...(entry ? { entry } : {}), now }));
  return composeJoin(plans, { journal, registry: resolved.registry, ...(resolved.pushRegistry ? { pushRegistry: resolved.pushRegistry } : {}), ...(digest ? { desiredDigest: digest } : {}), now });
}

/** Preflight and plan a join: every check before the first write. Refusals (exit 4) leave the host untouched. */
export async function prepareJoin(desired: DesiredState, input: PreflightInput, host: ConvergeHost, io: ConvergeIo): Promise<Prepared> {
  // Named runtimes only: `--runtime k3s` never asks a Docker socket anything.
  const kinds = desired.runtimes.includes('auto') ? undefined : desired.runtimes;
  const detected = await detectSessions(host.ports, kinds);
  const uid = host.ports.uid ?? 0;
  const sessions = selectSessions(detected, desired.runtimes, uid);
  // Left alone on purpose (another user's rootless dockerd…): say so rather than stay silent.
  for (const s of detected) {
    const why = sessions.includes(s) ? undefined : whyNot(s, uid);
    if (why !== undefined && s.running) io.note(`left alone: ${why.message}`);
  }
  const pre = await preflight(desired, input, {
    files: rooted(host.ports.files, host.ports.root),
    root: host.ports.root,
    now: host.ports.clock.now,
    note: io.note,
    ...(io.confirm ? { confirm: io.confirm } : {}),
    ...(io.progress ? { progress: io.progress } : {}),
  });
  return prepareJoinResolved(pre, sessions, host);
}

/**
 * Plan a join whose preflight is already done, against the host as it is now: the agent re-plans
 * this way when a file changed (no network work), and so does every full join above.
 */
export async function prepareJoinResolved(pre: Preflight, sessions: RuntimeSession[], host: ConvergeHost): Promise<Prepared> {
  const digest = desiredDigest(pre.resolved, sessions);
  const plan = await planJoinNow(sessions, pre.resolved, host, digest);
  for (const s of sessions) {
    const own = plan.runtimes.find((r) => r.runtime === s.id);
    if (own && s.check) await s.check(own);
  }
  return { operation: 'join', sessions, plan, preflight: pre, replan: () => planJoinNow(sessions, pre.resolved, host, digest) };
}

/** Plan a leave: undo what the journal says every runtime did for the registry (or only the named runtimes). */
export async function prepareLeave(registryArg: string, host: ConvergeHost, options: { runtimes?: readonly string[]; restart?: RestartPolicy } = {}): Promise<Prepared> {
  const hostPort = parseRegistry(registryArg).hostPort;
  const plan = async (again = false): Promise<{ plan: Plan; sessions: RuntimeSession[] }> => {
    const journal = await readJournal(host);
    const entry = journal.registries[hostPort];
    // Under the lock: a concurrent leave of the same registry got there first. What was asked is done.
    if (entry === undefined && again) return { plan: { operation: 'leave', registry: hostPort, runtimes: [], warnings: [`${hostPort} was left by another regsetup meanwhile; nothing of it is left to undo`] }, sessions: [] };
    if (entry === undefined) {
      throw new RegsetupError('ERR_NOT_MANAGED', `regsetup has no record of joining ${hostPort} on this host; there is nothing of its own to undo`, {
        hint: 'Run `regsetup status` to list the registries regsetup manages. Settings made by hand are yours to remove.',
        exitCode: ExitCode.usage,
      });
    }
    const detected = await detectSessions(host.ports, [...new Set(Object.values(entry.runtimes).map((r) => r.kind))]);
    const { sessions, warnings } = await sessionsForEntry(host.ports, detected, entry, options.runtimes);
    const now = host.ports.clock.now();
    const plans = [];
    for (const s of sessions) {
      const snap = await s.snapshot([hostPort], journal);
      plans.push({ ...s.unplan(snap, entry.runtimes[s.id]!, { journal, entry, now }) });
    }
    return { plan: composeLeave(plans, { journal, registry: hostPort, now }, warnings), sessions };
  };
  const first = await plan();
  return { operation: 'leave', sessions: first.sessions, plan: first.plan, replan: async () => (await plan(true)).plan };
}

/**
 * A plan that changes something needs a yes: --yes, or the operator's answer after seeing the
 * diff. Without a terminal to ask, that is a usage error, never a hang. Then apply it under the
 * lock (re-planned there, so concurrent runs build on each other), activating and confirming
 * every runtime, rolling all of them back if one does not take it.
 */
export async function applyPrepared(prepared: Prepared, host: ConvergeHost, io: ConvergeIo): Promise<ApplyReport> {
  const { plan } = prepared;
  if (!isEmptyPlan(plan) && !io.yes) {
    if (!io.confirm) throw usageError(`${plan.operation} would change this host and needs a yes`, 'Run it with --yes (bootstrap scripts), or from a terminal to be asked; --dry-run shows the plan.');
    io.note(renderPlanDiff(plan));
    if (!(await io.confirm('Apply these changes?'))) throw usageError('not applied: the changes were declined');
  }
  const warningsOf = (p: Plan) => [...p.warnings, ...p.runtimes.flatMap((r) => r.warnings)];
  for (const warning of warningsOf(plan)) io.note(`warning: ${warning}`);
  const sessions = new Map(prepared.sessions.map((s) => [s.id, s]));
  const report = await applyPlan(plan, { files: host.ports.files, sessions, clock: host.ports.clock, sleep: host.ports.sleep, log: io.note, ...(io.progress ? { progress: io.progress } : {}) }, {
    stateDir: stateDirOf(host),
    root: host.ports.root,
    replan: async () => {
      const fresh = await prepared.replan();
      // Asked about one change, never apply another: someone changed the host while the operator read the diff.
      if (!io.yes && !isDeepStrictEqual(planActions(fresh), planActions(plan))) {
        throw refused('ERR_PLAN_STALE', 'the host changed while the plan was shown; nothing was written', 'Run the command again to see the plan as it is now.');
      }
      return fresh;
    },
  });
  // The re-plan under the lock may know more (a concurrent run got there first): say what is new.
  for (const warning of warningsOf(report.plan).filter((w) => !warningsOf(plan).includes(w))) io.note(`warning: ${warning}`);
  return report;
}
