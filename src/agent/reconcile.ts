import { activationDone, doneLine } from '../core/activation-words.js';
import { applyPrepared, prepareJoinResolved, readJournal, type ConvergeHost } from '../converge/converge.js';
import type { AgentMode } from '../core/desired-file.js';
import type { DesiredState } from '../core/desired-state.js';
import { isRegsetupError } from '../core/errors.js';
import { renderPlanDiff } from '../core/plan-render.js';
import { isEmptyPlan, joinHosts, planActions } from '../core/plan-types.js';
import type { Preflight, PreflightInput } from '../preflight/resolve.js';
import { selectSessions } from '../runtimes/registry.js';
import type { DriftItem, RuntimeSession } from '../runtimes/types.js';
import { Backoff, FlapDetector, type BackoffSettings } from './backoff.js';
import { driftKind } from './drift-kind.js';
import type { Findings, NewFinding } from './findings.js';
import type { AgentLog } from './log.js';
import type { AgentMetrics } from './metrics.js';

// One convergence of one registry entry, through converge (preflight → plan → apply): the same
// functions as `join`, never a second path. A full run does the network checks (clock, CA,
// reachability); a quick run (a watched file changed) re-plans against the last preflight.

export interface ClockReading {
  offsetMs: number;
  uncertaintyMs: number;
}

/** What a convergence needs besides converge itself; tests pass fakes for all of it. */
export interface ReconcilePorts {
  host: ConvergeHost;
  log: AgentLog;
  metrics: AgentMetrics;
  findings: Findings;
  /** The runtime sessions on the node (runtimes/registry.ts detectSessions). */
  detect(): Promise<RuntimeSession[]>;
  /** preflight/resolve.ts preflight, with the agent's ports. */
  preflight(desired: DesiredState, input: PreflightInput): Promise<Preflight>;
  /** The registry's clock against ours (a GET /v2/ and its Date header); undefined without one. */
  clock(desired: DesiredState): Promise<ClockReading | undefined>;
  /** The CAs' expiry dates (ms). */
  caExpiry(pems: readonly string[]): number[];
  /** Keep the registry's credentials in the helper: a password for the entry, or undefined (helper reference). */
  credentials?: {
    password(desired: DesiredState): Promise<string | undefined>;
    /** true when the helper does not hold these yet (a login is due). */
    stale(desired: DesiredState, password: string): Promise<boolean>;
    /** true when anything was written (the helper's store, config.json, the wrapper on PATH). */
    store(desired: DesiredState, password: string, sessions: readonly RuntimeSession[]): Promise<boolean>;
  };
}

export interface ReconcileSettings {
  mode: AgentMode;
  backoff: BackoffSettings;
  caExpiryWarningMs: number;
}

export type EntryResult = 'unchanged' | 'repaired' | 'reported' | 'refused' | 'failed' | 'waiting';

const PRE_INPUT = { hubImage: 'library/hello-world:latest', pushRepo: 'regsetup/verify' };

/** Per registry: the last preflight (for quick runs), its backoff, and its flapping history. */
export class Reconciler {
  private readonly preflights = new Map<string, Preflight>();
  private readonly backoffs = new Map<string, Backoff>();
  private readonly flaps = new FlapDetector();

  constructor(private readonly ports: ReconcilePorts, private settings: ReconcileSettings) {}

  configure(settings: ReconcileSettings): void {
    this.settings = settings;
  }

  /** The earliest time a registry waiting out a backoff may be tried again. */
  retryAt(now: number): number | undefined {
    const times = [...this.backoffs.values()].map((b) => b.waitUntil(now)).filter((t): t is number => t !== undefined);
    return times.length === 0 ? undefined : Math.min(...times);
  }

  forget(registries: readonly string[]): void {
    for (const map of [this.preflights, this.backoffs]) for (const key of map.keys()) if (!registries.includes(key)) map.delete(key);
  }

  async run(desired: DesiredState, kind: 'full' | 'quick', trigger: string): Promise<EntryResult> {
    const { findings, host } = this.ports;
    const now = () => host.ports.clock.now();
    const registry = desired.registry;
    const backoff = this.backoffs.get(registry) ?? new Backoff(this.settings.backoff);
    this.backoffs.set(registry, backoff);
    // A retry timer or a full run may go ahead; a file event during the backoff waits for it.
    if (kind === 'quick' && trigger !== 'retry' && backoff.waitUntil(now()) !== undefined) return 'waiting';
    const network: NewFinding[] = [];
    const plan: NewFinding[] = [];
    const sources = kind === 'full' ? (['network', 'plan'] as const) : (['plan'] as const);
    let result: EntryResult;
    let phase: 'network' | 'plan' = 'plan';
    try {
      let pre = this.preflights.get(registry);
      let password: string | undefined;
      if (kind === 'full' || pre === undefined) {
        phase = 'network';
        const checked = await this.network(desired, network);
        if (checked === undefined) return 'refused';
        ({ pre, password } = checked);
        this.preflights.set(registry, pre);
        phase = 'plan';
      }
      const sessions = selectSessions(await this.ports.detect(), desired.runtimes);
      result = await this.planAndApply(desired, pre, sessions, plan, trigger);
      if (password !== undefined && result !== 'reported') await this.ports.credentials!.store(desired, password, sessions);
      if (result === 'repaired' || result === 'unchanged') backoff.succeed();
    } catch (error) {
      const refusal = isRegsetupError(error) && error.exitCode === 4;
      (phase === 'network' ? network : plan).push(findingOf(error, registry, phase));
      if (refusal) result = 'refused';
      else {
        // A repair that failed (rolled back, or unexpected): wait before the next try, longer each time.
        const until = backoff.fail(now());
        this.ports.log.log('error', 'repair failed; backing off', { registry, error: (error as Error).message, retryInSeconds: Math.round((until - now()) / 1000), attempts: backoff.attempts });
        result = 'failed';
      }
    } finally {
      const flapping = this.flaps.flapping(now(), `${registry}\u0000`).map(({ key, count }): NewFinding => ({
        severity: 'warning', source: 'loop', code: 'FLAPPING', registry,
        message: `flapping: "${key.split('\u0000')[1]}" was repaired ${count} times in 10 minutes; something else keeps undoing it`,
        hint: 'Find what rewrites it (configuration management, an image build, another tool) and make it agree with the desired-state file.',
      }));
      const checkedNetwork = kind === 'full' || network.length > 0;
      findings.replace({ registry, sources: [...(checkedNetwork ? ['network' as const] : []), ...sources, 'loop'] }, [...network, ...plan, ...flapping], now());
    }
    return result;
  }

  /** The network half: clock, credentials, preflight (CA, reachability, mirrors), CA expiry. */
  private async network(desired: DesiredState, found: NewFinding[]): Promise<{ pre: Preflight; password?: string } | undefined> {
    const { ports } = this;
    const registry = desired.registry;
    const clock = await timed(ports, registry, 'clock', () => ports.clock(desired).catch(() => undefined));
    if (clock !== undefined) {
      ports.metrics.clockSkew.set({ registry }, clock.offsetMs / 1000);
      // Never a write: a skewed clock breaks TLS and tokens, and only the operator (NTP) can fix it.
      if (Math.abs(clock.offsetMs) - clock.uncertaintyMs > desired.maxClockSkewSeconds * 1000) {
        const seconds = Math.round(clock.offsetMs / 1000);
        found.push({ severity: 'error', source: 'network', code: 'CLOCK_SKEW', registry, message: `the clock of ${registry} is ${seconds}s from this host's (limit ${desired.maxClockSkewSeconds}s)`, hint: 'Fix this host\'s clock: `timedatectl set-ntp true` or `chronyc makestep`.' });
        ports.log.log('warn', 'clock skew over the limit; nothing changed', { registry, offsetSeconds: seconds, limitSeconds: desired.maxClockSkewSeconds });
        return undefined;
      }
    }
    const password = ports.credentials ? await ports.credentials.password(desired) : undefined;
    const login = password !== undefined && (await ports.credentials!.stale(desired, password));
    const credentials = login && desired.credentials ? { credentials: { username: desired.credentials.username, password: password! } } : {};
    const pre = await timed(ports, registry, 'preflight', () => ports.preflight(desired, { ...PRE_INPUT, ...credentials }));
    const expiries = ports.caExpiry(pre.resolved.caPems);
    if (expiries.length > 0) {
      const first = Math.min(...expiries);
      ports.metrics.caExpiry.set({ registry }, first / 1000);
      const left = first - ports.host.ports.clock.now();
      if (left < this.settings.caExpiryWarningMs) {
        found.push({ severity: 'warning', source: 'network', code: 'CA_EXPIRING', registry, message: `a CA of ${registry} expires on ${new Date(first).toISOString()} (in ${Math.max(0, Math.floor(left / 86_400_000))} days)`, hint: 'Ask the registry team for the next CA and add its pin to ca.fingerprints.' });
      }
    }
    return { pre, ...(login ? { password } : {}) };
  }

  private async planAndApply(desired: DesiredState, pre: Preflight, sessions: RuntimeSession[], found: NewFinding[], trigger: string): Promise<EntryResult> {
    const { ports } = this;
    const { host, log } = ports;
    const registry = desired.registry;
    const prepared = await timed(ports, registry, 'plan', () => prepareJoinResolved(pre, sessions, host));
    if (isEmptyPlan(prepared.plan)) return 'unchanged';
    const drift = await driftOf(sessions, registry, host);
    const fields = { registry, trigger, drift: drift.map((d) => d.what), changes: planActions(prepared.plan).map((a) => `${a.kind === 'remove-file' ? 'remove' : 'write'} ${a.path}: ${a.reason}`), diff: renderPlanDiff(prepared.plan) };
    if (this.settings.mode === 'report') {
      found.push({ severity: 'error', source: 'plan', code: 'DRIFT', registry, message: `${registry} is not as desired: ${(drift.length > 0 ? drift.map((d) => d.what) : fields.changes).join('; ')}`, hint: 'The agent runs with mode: report; run `regsetup join --config FILE` (or the agent in repair mode) to put it back.' });
      log.log('warn', 'drift found (report mode: nothing changed)', fields);
      return 'reported';
    }
    log.log('info', drift.length > 0 ? 'drift found; repairing' : 'converging', fields);
    const applied = await timed(ports, registry, 'apply', () => applyPrepared(prepared, host, { yes: true, note: (line) => log.log('debug', line, { registry }) }));
    const kinds = drift.length > 0 ? drift.map(driftKind) : ['desired-change' as const];
    for (const kind of kinds) ports.metrics.repairs.inc({ kind });
    const now = host.ports.clock.now();
    for (const d of drift) this.flaps.record(`${registry}\u0000${d.what}`, now);
    const changed = applied.changes.filter((c) => c.change !== 'unchanged').map((c) => `${c.change} ${c.path}`);
    const activated = applied.runtimes.filter((r) => r.activated).map((r) => `${doneLine(r.label, activationDone(r.activation, true))}, confirmed`);
    log.log('info', drift.length > 0 ? 'drift repaired' : 'converged', { registry, trigger, changed, activated });
    return 'repaired';
  }
}

/** How each runtime's files moved away from the journal, for the log and the repair kinds. */
async function driftOf(sessions: readonly RuntimeSession[], registry: string, host: ConvergeHost): Promise<DriftItem[]> {
  const journal = await readJournal(host);
  const entry = journal.registries[registry];
  if (entry === undefined) return [];
  const items: DriftItem[] = [];
  for (const s of sessions) {
    const record = entry.runtimes[s.id];
    if (record === undefined) continue;
    const snap = await s.snapshot(joinHosts({ registry, ...(entry.pushRegistry ? { pushRegistry: entry.pushRegistry } : {}) }), journal);
    items.push(...s.drift(snap, record, { journal, entry, now: host.ports.clock.now() }));
  }
  return items;
}

async function timed<T>(ports: ReconcilePorts, registry: string, step: string, fn: () => Promise<T>): Promise<T> {
  const start = ports.host.ports.clock.now();
  try {
    return await fn();
  } finally {
    ports.metrics.stepSeconds.set({ registry, step }, (ports.host.ports.clock.now() - start) / 1000);
  }
}

function findingOf(error: unknown, registry: string, source: 'network' | 'plan'): NewFinding {
  if (isRegsetupError(error)) return { severity: 'error', source, code: error.code, registry, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  return { severity: 'error', source, code: 'ERR_UNEXPECTED', registry, message: error instanceof Error ? error.message : String(error) };
}
