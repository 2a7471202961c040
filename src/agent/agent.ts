import { readJournal, type ConvergeHost } from '../converge/converge.js';
import { sha256Hex } from '../core/digest.js';
import { loadDesiredFile, type AgentSettings, type DesiredFile } from '../core/desired-file.js';
import { isRegsetupError } from '../core/errors.js';
import { rooted } from '../host/host-path.js';
import type { Watcher } from '../host/watch.js';
import { Findings } from './findings.js';
import type { AgentView } from './http-handlers.js';
import type { AgentLog } from './log.js';
import { AgentLoop, type RunRequest, type Timers } from './loop.js';
import { createMetrics, dropRegistry } from './metrics.js';
import { Reconciler, type EntryResult, type ReconcilePorts } from './reconcile.js';
import { watchedPaths } from './watch-paths.js';

// The agent: the desired-state file, the reconciler for each of its registries, the loop that
// decides when, the findings and metrics its socket shows. Host access comes in through ports.

export interface AgentDeps {
  host: ConvergeHost;
  log: AgentLog;
  ports: Pick<ReconcilePorts, 'detect' | 'preflight' | 'clock' | 'caExpiry' | 'credentials'>;
  timers: Timers;
  desiredFilePath: string;
  /** Command-line settings, over the file's. */
  overrides: Partial<Pick<AgentSettings, 'interval' | 'mode' | 'listen' | 'socket'>>;
  dockerConfigDir?: string;
  watch?: (paths: string[], onChange: (changed: string[]) => void) => Watcher;
}

export class Agent {
  readonly findings = new Findings();
  readonly metrics = createMetrics();
  readonly loop: AgentLoop;
  file!: DesiredFile;
  private reconciler!: Reconciler;
  private watcher: Watcher | undefined;
  private digests = new Map<string, string>();
  private lastRun: { at: string; trigger: string; results: Record<string, EntryResult>; ok: boolean } | undefined;

  constructor(private readonly deps: AgentDeps) {
    this.loop = new AgentLoop({ clock: deps.host.ports.clock, timers: deps.timers, run: (r) => this.run(r), intervalMs: () => this.settings.interval });
  }

  get settings(): AgentSettings {
    return { ...this.file.agent, ...this.deps.overrides };
  }

  private get files() {
    return rooted(this.deps.host.ports.files, this.deps.host.ports.root);
  }

  /** Read the file first: an invalid one stops the start (exit 2), like any other bad input. */
  async load(): Promise<void> {
    this.file = loadDesiredFile(await this.files.readText(this.deps.desiredFilePath), this.deps.desiredFilePath);
    const s = this.settings;
    const settings = { mode: s.mode, backoff: s.backoff, caExpiryWarningMs: s.caExpiryWarning };
    if (this.reconciler) this.reconciler.configure(settings);
    else this.reconciler = new Reconciler({ ...this.deps.ports, host: this.deps.host, log: this.deps.log, metrics: this.metrics, findings: this.findings }, settings);
  }

  /** SIGHUP, or the file changed: re-read it; an invalid file is refused and the old one kept. */
  async reload(why: string): Promise<boolean> {
    const now = this.deps.host.ports.clock.now();
    try {
      await this.load();
      this.findings.replace({ sources: ['config'] }, [], now);
      this.deps.log.log('info', 'desired-state file re-read', { file: this.deps.desiredFilePath, why, registries: this.file.registries.map((r) => r.registry) });
      return true;
    } catch (error) {
      const message = (error as Error).message;
      this.findings.replace({ sources: ['config'] }, [{ severity: 'warning', source: 'config', code: isRegsetupError(error) ? error.code : 'ERR_CONFIG_INVALID', message: `${message} (the previous version is still in force)` }], now);
      this.deps.log.log('error', 'desired-state file refused; keeping the previous one', { file: this.deps.desiredFilePath, why, error: message });
      return false;
    }
  }

  healthy(): boolean {
    return this.lastRun !== undefined && this.lastRun.ok && this.findings.errors.length === 0;
  }

  /** One convergence of every registry of the file. */
  async run(request: RunRequest): Promise<{ retryAt?: number }> {
    const { host, log } = this.deps;
    const now = () => host.ports.clock.now();
    let kind = request.kind;
    if (request.trigger === 'watch') {
      if (request.paths.includes(this.deps.desiredFilePath)) {
        if (!(await this.reload('the file changed'))) return {};
        kind = 'full';
      } else if (!(await this.changedSinceLastRun(request.paths))) return {};
    }
    this.metrics.runs.inc({ trigger: request.trigger });
    const results: Record<string, EntryResult> = {};
    for (const entry of this.file.registries) {
      results[entry.registry] = await this.reconciler.run(entry, kind, request.trigger);
    }
    const registries = this.file.registries.map((r) => r.registry);
    this.reconciler.forget(registries);
    this.findings.forgetRegistriesBut(registries);
    for (const r of Object.keys(this.lastRun?.results ?? {})) if (!registries.includes(r)) dropRegistry(this.metrics, r);
    const ok = this.findings.errors.length === 0;
    this.lastRun = { at: new Date(now()).toISOString(), trigger: request.trigger, results, ok };
    if (ok) this.metrics.lastSuccess.set(now() / 1000);
    else this.metrics.failures.inc({ trigger: request.trigger });
    this.metrics.healthy.set(this.healthy() ? 1 : 0);
    for (const severity of ['error', 'warning'] as const) this.metrics.findings.set({ severity }, this.findings.list().filter((f) => f.severity === severity).length);
    log.log(ok ? 'debug' : 'warn', 'convergence done', { trigger: request.trigger, kind, results, findings: this.findings.list().map((f) => `${f.severity} ${f.code}${f.registry ? ` ${f.registry}` : ''}: ${f.message}`) });
    await this.rewatch();
    const retryAt = this.reconciler.retryAt(now());
    return retryAt === undefined ? {} : { retryAt };
  }

  /** Start watching (after the first run, so the journal names the files). */
  startWatching(): void {
    if (this.deps.watch === undefined) return;
    this.watcher = this.deps.watch([], (changed) => this.loop.trigger({ kind: 'quick', trigger: 'watch', paths: changed }));
    void this.rewatch();
  }

  stopWatching(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  private async paths(): Promise<string[]> {
    const journal = await readJournal(this.deps.host).catch(() => ({ version: 2 as const, registries: {} }));
    const daemonJsonPaths = Object.values(journal.registries).flatMap((e) => Object.values(e.runtimes).map((r) => (r as { daemonJsonPath?: string }).daemonJsonPath).filter((p): p is string => typeof p === 'string'));
    return watchedPaths({ journal, file: this.file, desiredFilePath: this.deps.desiredFilePath, daemonJsonPaths: ['/etc/docker/daemon.json', ...daemonJsonPaths], ...(this.deps.dockerConfigDir ? { dockerConfigDir: this.deps.dockerConfigDir } : {}) });
  }

  /** Watch what the journal names now, and remember how every file reads after this run. */
  private async rewatch(): Promise<void> {
    const paths = await this.paths();
    this.watcher?.update(paths);
    this.digests = new Map(await Promise.all(paths.map(async (p) => [p, await this.digest(p)] as const)));
  }

  // Our own writes wake the watcher too: a file that reads as it did after the last run needs no run.
  private async changedSinceLastRun(paths: readonly string[]): Promise<boolean> {
    for (const p of paths) if ((await this.digest(p)) !== this.digests.get(p)) return true;
    return false;
  }

  private async digest(path: string): Promise<string> {
    const stat = await this.files.stat(path).catch(() => undefined);
    if (stat === undefined) return 'absent';
    if (!stat.isDirectory) return sha256Hex((await this.files.readText(path).catch(() => '')) ?? '');
    const names = await this.files.readdir(path);
    const parts = await Promise.all(names.map(async (n) => `${n}:${sha256Hex((await this.files.readText(`${path}/${n}`).catch(() => '')) ?? '')}`));
    return sha256Hex(parts.join('\n'));
  }

  view(): AgentView {
    return {
      healthy: () => this.healthy(),
      findings: () => this.findings.list(),
      status: () => ({
        ok: this.healthy(),
        pid: process.pid,
        config: this.deps.desiredFilePath,
        mode: this.settings.mode,
        intervalSeconds: this.settings.interval / 1000,
        registries: this.file.registries.map((r) => r.registry),
        lastRun: this.lastRun ?? null,
        findings: this.findings.list(),
      }),
      metricsText: () => this.metrics.registry.metrics(),
      metricsContentType: this.metrics.registry.contentType,
    };
  }
}
