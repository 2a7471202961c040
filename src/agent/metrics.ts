import type * as Prom from 'prom-client';
// Deep imports of CommonJS modules (prom-client has no "exports" map): their default is
// module.exports. Static imports, so the single-file bundle carries them too.
import RegistryModule from 'prom-client/lib/registry.js';
import CounterModule from 'prom-client/lib/counter.js';
import GaugeModule from 'prom-client/lib/gauge.js';

// prom-client's index also loads the cluster aggregator, the default process metrics and the
// pushgateway client: ~18 MB of RSS the agent never uses (its idle budget is 60 MB). The three
// classes it needs, from the package's own modules:
const Registry = RegistryModule as unknown as typeof Prom.Registry;
const Counter = CounterModule as unknown as typeof Prom.Counter;
const Gauge = GaugeModule as unknown as typeof Prom.Gauge;

// The agent's /metrics, in a registry of its own (never prom-client's global default, so nothing
// else in the process can add to it). Names follow Prometheus' conventions: _total, _seconds.

export type AgentMetrics = ReturnType<typeof createMetrics>;

export function createMetrics() {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    runs: new Counter({ name: 'regsetup_converge_runs_total', help: 'Convergence runs, by trigger (start, period, watch, signal, retry).', labelNames: ['trigger'], registers }),
    failures: new Counter({ name: 'regsetup_converge_failures_total', help: 'Convergence runs that ended with an error finding, by trigger.', labelNames: ['trigger'], registers }),
    repairs: new Counter({ name: 'regsetup_drift_repairs_total', help: 'Drift repaired through plan/apply, by kind.', labelNames: ['kind'], registers }),
    lastSuccess: new Gauge({ name: 'regsetup_last_success_timestamp_seconds', help: 'When the last convergence without an error finding ended (Unix time).', registers }),
    clockSkew: new Gauge({ name: 'regsetup_clock_skew_seconds', help: "The registry's clock minus this host's, from its Date header.", labelNames: ['registry'], registers }),
    caExpiry: new Gauge({ name: 'regsetup_ca_expiry_timestamp_seconds', help: 'When the first of the CAs installed for the registry expires (Unix time).', labelNames: ['registry'], registers }),
    stepSeconds: new Gauge({ name: 'regsetup_verify_step_duration_seconds', help: 'How long each check of the last convergence took, per registry and step (clock, preflight, plan, apply).', labelNames: ['registry', 'step'], registers }),
    findings: new Gauge({ name: 'regsetup_findings', help: 'Open findings, by severity.', labelNames: ['severity'], registers }),
    healthy: new Gauge({ name: 'regsetup_healthy', help: '1 when /healthz answers 200.', registers }),
  };
}

/** A registry no longer in the file leaves no series behind. */
export function dropRegistry(metrics: AgentMetrics, registry: string): void {
  for (const gauge of [metrics.clockSkew, metrics.caExpiry]) gauge.remove({ registry });
  for (const step of ['clock', 'preflight', 'plan', 'apply']) metrics.stepSeconds.remove({ registry, step });
}
