import { settleTimeoutMs } from '../../apply/apply.js';
import { planJoinNow, readJournal, type ConvergeHost, type Prepared } from '../../converge/converge.js';
import { joinHosts, type RuntimePlan } from '../../core/plan-types.js';
import { registrySettings } from '../../runtimes/containerd/config.js';
import { deprecatedTrap } from '../../runtimes/containerd/migrate.js';
import { containerdRecord } from '../../runtimes/containerd/record.js';
import type { ContainerdSession } from '../../runtimes/containerd/session.js';
import { detectSessions } from '../../runtimes/registry.js';
import type { FixFactory } from '../ports.js';
import type { Fix, PreparedFix } from '../types.js';
import { rebuildJoin, unreproduced } from './containerd-rejoin.js';
import { applyFix, planPreview } from './plan-fix.js';

export interface ContainerdFixIo {
  /** The host doctor checked (root's: containerd is the system's). */
  host: ConvergeHost;
  note(line: string): void;
  /** containerd's sessions on that host: join's detection unless a test hands in its own. */
  sessions?: (host: ConvergeHost) => Promise<ContainerdSession[]>;
}

async function sessionOf(io: ContainerdFixIo, id: string): Promise<ContainerdSession> {
  const all = await (io.sessions ?? ((h) => detectSessions(h.ports, ['containerd']) as Promise<ContainerdSession[]>))(io.host);
  const session = all.find((s) => s.id === id);
  if (session === undefined) throw new Error(`containerd (${id}) is not running here`);
  return session;
}

/** Join the registry again for this session, rebuilt from the journal; only when the plan reproduces every digest on record. */
async function prepareRejoin(io: ContainerdFixIo, id: string, registry: string): Promise<PreparedFix> {
  const session = await sessionOf(io, id);
  const journal = await readJournal(io.host);
  const entry = journal.registries[registry];
  const record = containerdRecord(entry?.runtimes[id]);
  if (entry === undefined || record === undefined) throw new Error(`the journal has no containerd record of ${registry}: run \`regsetup join ${registry} --runtime containerd\``);
  const snap = await session.snapshot(joinHosts(entry), journal);
  const rebuilt = rebuildJoin(entry, record, snap);
  const again = `run \`regsetup join ${registry} --runtime containerd …\` again with that join's flags`;
  if ('why' in rebuilt) throw new Error(`doctor cannot rebuild the last join of ${registry} for containerd: ${rebuilt.why}; ${again}`);
  let last = '';
  for (const resolved of rebuilt.candidates) {
    // The journal entry keeps the digest of the join it reproduces.
    const plan = () => planJoinNow([session], resolved, io.host, entry.desiredDigest);
    const first = await plan();
    const missing = unreproduced(record, first.runtimes[0]!);
    if (missing !== undefined) {
      last = missing;
      continue;
    }
    const prepared: Prepared = { operation: 'join', sessions: [session], plan: first, replan: plan };
    return { preview: planPreview(prepared), apply: () => applyFix(io.host, prepared, io.note) };
  }
  throw new Error(`doctor cannot reproduce what the last join of ${registry} wrote for containerd (${last}); ${again}`);
}

/** A restart through the session's own activation (its unit, or stop and start: never a signal it would die of), then CRI's confirm. */
async function prepareRestart(io: ContainerdFixIo, id: string): Promise<PreparedFix> {
  const session = await sessionOf(io, id);
  const snap = await session.snapshot([], await readJournal(io.host));
  const root = registrySettings(snap).configPath?.[0];
  if (root === undefined) throw new Error(`${snap.config.path} does not set config_path: a restart would not make containerd read hosts.toml`);
  if (deprecatedTrap(snap)) throw new Error(`${snap.config.path} has the deprecated registry sections next to config_path: CRI would not load after a restart`);
  if (!snap.canRestart) throw new Error('regsetup cannot restart containerd here: restart it yourself (`systemctl restart containerd`)');
  const plan: RuntimePlan = { runtime: id, kind: 'containerd', label: session.label, actions: [], unchanged: [], activation: 'restart', expect: { configPathRoot: root }, warnings: [] };
  return {
    preview: [
      `restart ${session.label} (pid ${session.process?.pid}): stop and start, so it reads ${snap.config.path}; running containers keep running in their shims; never a SIGHUP, which kills containerd`,
      `then confirm over CRI (RuntimeService.Status) that config_path names ${root}`,
    ],
    apply: async () => {
      await session.activate(plan, io.note);
      const problem = await session.confirm(plan, 'after', { timeoutMs: settleTimeoutMs('restart') });
      if (problem !== undefined) throw new Error(`${session.label} was restarted but ${problem}; its log (\`journalctl -u containerd\`) says why`);
      return [`restarted ${session.label}; CRI shows config_path ${root}`];
    },
  };
}

export function containerdFixes(io: ContainerdFixIo): Required<Pick<FixFactory, 'containerdRejoin' | 'containerdRestart'>> {
  const fix = (key: string, title: string, prepare: () => Promise<PreparedFix>): Fix => ({ key, title, prepare });
  return {
    containerdRejoin: (id, registry) => fix(`containerd-join:${id}:${registry}`, `join ${registry} again for containerd (${id}), as the journal records it`, () => prepareRejoin(io, id, registry)),
    containerdRestart: (id) => fix(`containerd-restart:${id}`, `restart containerd (${id}) so it reads its config.toml`, () => prepareRestart(io, id)),
  };
}
