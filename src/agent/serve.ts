import { closeHttpAgents } from '../host/http.js';
import { startAgentServer } from '../host/agent-server.js';
import { resolveHostPath } from '../host/host-path.js';
import { onSignals } from '../host/signals.js';
import { notifyReady } from '../host/systemd.js';
import type { Agent } from './agent.js';
import { handle } from './http-handlers.js';
import type { AgentLog } from './log.js';

// The long-running agent: socket up, converge at start, then watch + period until SIGTERM/SIGINT.
// SIGHUP re-reads the file (an invalid one is refused, the old one kept) and runs a full check.
// On stop, the run in flight ends first (its apply finishes or rolls back): no half-written file.

const STOP_DEADLINE_MS = 9_000;

export async function serveAgent(agent: Agent, o: { root: string; log: AgentLog; env: NodeJS.ProcessEnv; processes: Parameters<typeof notifyReady>[0] }): Promise<number> {
  const { log } = o;
  const settings = agent.settings;
  const socketPath = resolveHostPath(o.root, settings.socket);
  const server = await startAgentServer((method, path) => handle(agent.view(), method, path), { socketPath, ...(settings.listen ? { listen: settings.listen } : {}) });
  log.log('info', 'agent started', { socket: settings.socket, listen: server.tcp ? `${server.tcp.host}:${server.tcp.port}` : null, mode: settings.mode, intervalSeconds: settings.interval / 1000, registries: agent.file.registries.map((r) => r.registry) });

  let stopping: (() => void) | undefined;
  const stopped = new Promise<void>((resolve) => (stopping = resolve));
  const off = onSignals({
    SIGHUP: () => {
      void agent.reload('SIGHUP').then((ok) => ok && agent.loop.trigger({ kind: 'full', trigger: 'signal', paths: [] }));
    },
    SIGTERM: () => stopping?.(),
    SIGINT: () => stopping?.(),
  });
  try {
    await Promise.race([agent.loop.start(), stopped]);
    agent.startWatching();
    await notifyReady(o.processes, o.env, agent.healthy() ? 'converged' : 'running with findings').catch(() => undefined);
    await stopped;
    log.log('info', 'stopping: waiting for the convergence in flight');
    agent.stopWatching();
    const done = await Promise.race([agent.loop.stop().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), STOP_DEADLINE_MS).unref())]);
    if (!done) log.log('warn', 'a convergence was still running at the stop deadline; its journal says what it meant (the next start converges)');
    log.log('info', 'agent stopped');
    return 0;
  } finally {
    off();
    await server.close();
    await closeHttpAgents();
  }
}
