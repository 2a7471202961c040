import { applyPrepared, prepareJoin, readJournal, type ConvergeHost, type Prepared } from '../../converge/converge.js';
import { desiredFromFlags, type DesiredState } from '../../core/desired-state.js';
import { activationDone, doneLine, plannedLine } from '../../core/activation-words.js';
import { actionDiff } from '../../core/plan-render.js';
import { planActions } from '../../core/plan-types.js';
import { detectSessions } from '../../runtimes/registry.js';
import type { DockerSession } from '../../runtimes/docker/session.js';
import { expectedFrom } from '../../runtimes/docker/confirm.js';
import { settleTimeoutMs } from '../../apply/apply.js';
import { rooted } from '../../host/host-path.js';
import { dockerdCommands } from '../../runtimes/docker/daemon-owner.js';

export interface HostIo {
  /** The host as this user's doctor sees it (the CLI's hostOf): their journal, their daemons. */
  host: ConvergeHost;
  /** The Docker session doctor checks (docs/architecture.md "Docker variants"); undefined: no Docker here. */
  docker?: Pick<DockerSession, 'id' | 'layout' | 'dockerd'>;
  note(line: string): void;
}

/** The host fixes work on: the one doctor checked, with that user's journal (root's, or a rootless user's). */
export const fixHost = (io: HostIo): ConvergeHost => io.host;

/**
 * The desired state of a join that changes only what the fix is about: no mirrors (`none`),
 * Docker only (doctor's checks are dockerd's), and the push registry the journal already
 * records, so the journal entry stays whole.
 */
export function fixDesired(hostPort: string, flags: { caFile?: string; caUrl?: string; caFingerprint?: string[]; insecure?: boolean }, journalPush?: string): DesiredState {
  return desiredFromFlags(hostPort, {
    mirror: ['none'],
    trustOnFirstUse: true,
    restart: 'reload',
    runtime: ['docker'],
    ...(flags.caFile ? { caFile: flags.caFile } : {}),
    ...(flags.caUrl ? { caUrl: flags.caUrl } : {}),
    ...(flags.caFingerprint ? { caFingerprint: flags.caFingerprint } : {}),
    ...(flags.insecure ? { insecure: true } : {}),
    ...(journalPush ? { pushRegistry: journalPush } : {}),
  });
}

export const journalPush = async (host: ConvergeHost, hostPort: string): Promise<string | undefined> => (await readJournal(host)).registries[hostPort]?.pushRegistry;

/** Preflight and plan of a fix, through join's own path; nothing is asked (doctor asks itself). */
export const prepareFix = (host: ConvergeHost, desired: DesiredState): Promise<Prepared> =>
  prepareJoin(desired, { hubImage: 'library/hello-world:latest', pushRepo: 'regsetup/verify' }, host, { yes: true, note: () => undefined });

/** Where a runtime shows that it took the change (its confirm). */
const confirmedBy = (kind: string): string => (kind === 'containerd' ? 'over CRI (RuntimeService.Status)' : kind === 'docker' ? 'in `docker info`' : `with ${kind}`);

/** What a plan changes, for the operator: a CA file by name (its details are shown apart), daemon.json as a diff. */
export function planPreview(prepared: Prepared): string[] {
  const lines: string[] = [];
  for (const action of planActions(prepared.plan)) {
    if (action.path.endsWith('.crt')) lines.push(`${action.kind === 'remove-file' ? 'remove' : action.before === undefined ? 'create' : 'replace'} ${action.path} (${action.reason})`);
    else lines.push(`# ${action.reason}`, ...actionDiff(action).trimEnd().split('\n').filter((l) => !/^={3,}$|^Index:/.test(l)));
  }
  for (const r of prepared.plan.runtimes) {
    if (r.activation !== 'none') lines.push(`${plannedLine(r.label, r.activation, r.activationDetail)}, then confirm ${confirmedBy(r.kind)}`);
    lines.push(...r.warnings.map((w) => `warning: ${w}`));
  }
  if (lines.length === 0) lines.push('nothing to change: the host already has it');
  return lines;
}

/** Applies through join's path: journal, backup, atomic writes, reload, confirm, rollback on failure. */
export async function applyFix(host: ConvergeHost, prepared: Prepared, note: (line: string) => void): Promise<string[]> {
  const report = await applyPrepared(prepared, host, { yes: true, note });
  const changed = report.changes.filter((c) => c.change !== 'unchanged').map((c) => `${c.change} ${c.path}`);
  const kinds = new Map(prepared.plan.runtimes.map((r) => [r.runtime, r.kind]));
  const activated = report.runtimes.filter((r) => r.activated).map((r) => `${doneLine(r.label, activationDone(r.activation, true))}; ${confirmedBy(kinds.get(r.runtime) ?? 'docker')} shows the new settings`);
  return [...changed, ...activated];
}

/** The docker session doctor fixes (the one it checked), or why there is none. */
export async function dockerSessionOf(host: ConvergeHost, id = 'docker'): Promise<DockerSession> {
  const docker = ((await detectSessions(host.ports, ['docker'])) as DockerSession[]).find((s) => s.id === id);
  if (docker === undefined || !('info' in docker.daemon) || docker.dockerd === undefined) throw new Error(`${docker?.label ?? 'dockerd'} is not running here`);
  return docker;
}

/** SIGHUP, then poll `docker info` until it shows what daemon.json says (a refused reload is only logged by dockerd). */
export async function reloadAndConfirm(io: HostIo): Promise<string[]> {
  const host = fixHost(io);
  const docker = await dockerSessionOf(host, io.docker?.id);
  const path = docker.layout.daemonJsonPath;
  const text = (await rooted(host.ports.files, host.ports.root).readText(path)) ?? '{}';
  const plan = { runtime: docker.id, kind: 'docker', label: docker.label, actions: [], unchanged: [], activation: 'reload' as const, expect: expectedFrom(undefined, text), warnings: [] };
  await docker.activate(plan, () => undefined);
  const problem = await docker.confirm(plan, 'after', { timeoutMs: settleTimeoutMs('reload') });
  if (problem !== undefined) {
    throw new Error(`${docker.label} was reloaded but does not use ${path}: ${problem}. dockerd keeps its old settings when it refuses a file; its log (${dockerdCommands(docker.dockerd).log}) says why ("Error reloading configuration"). A key it does not know, or one also given as a flag, is the usual reason.`);
  }
  return [`reloaded ${docker.label}; \`docker info\` now shows what ${path} says`];
}
