import type { AgentMode } from '../core/desired-file.js';
import type { Finding } from './findings.js';
import type { EntryResult } from './reconcile.js';

// The routes of the agent's socket, as plain functions of its state: /healthz, /livez, /metrics, /status.
// /healthz is 503 while the node is not converged (a readiness probe: the node is not ready for
// pulls); /livez is 200 whenever the agent answers at all (a liveness probe: a registry outage is
// no reason to restart the agent, and restarting it would not help).

/** What /status answers and `agent status` prints (schemas/agent-status.schema.json). */
export interface AgentStatus {
  ok: boolean;
  pid: number;
  config: string;
  mode: AgentMode;
  intervalSeconds: number;
  registries: string[];
  lastRun: { at: string; trigger: string; results: Record<string, EntryResult>; ok: boolean } | null;
  findings: Finding[];
}

export interface AgentView {
  healthy(): boolean;
  findings(): Finding[];
  status(): AgentStatus;
  metricsText(): Promise<string>;
  metricsContentType: string;
}

const json = (status: number, value: unknown) => ({ status, contentType: 'application/json', body: `${JSON.stringify(value, null, 2)}\n` });

export async function handle(view: AgentView, method: string, path: string) {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, contentType: 'text/plain', body: 'only GET\n' };
  switch (path) {
    case '/healthz': {
      const ok = view.healthy();
      return json(ok ? 200 : 503, { ok, findings: view.findings() });
    }
    case '/livez':
      return json(200, { ok: true });
    case '/metrics':
      return { status: 200, contentType: view.metricsContentType, body: await view.metricsText() };
    case '/status':
      return json(200, view.status());
    default:
      return { status: 404, contentType: 'text/plain', body: 'not found: try /healthz, /livez, /metrics, /status\n' };
  }
}
