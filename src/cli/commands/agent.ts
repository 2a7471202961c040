import { Agent } from '../../agent/agent.js';
import { installAgent, uninstallAgent } from '../../agent/install.js';
import { asSingleInstance } from '../../agent/instance.js';
import { createLog } from '../../agent/log.js';
import { realTimers } from '../../agent/loop.js';
import { realReconcilePorts } from '../../agent/real-ports.js';
import { serveAgent } from '../../agent/serve.js';
import { readDesiredFile } from '../../converge/desired-file-store.js';
import { DEFAULT_DESIRED_FILE, type AgentMode } from '../../core/desired-file.js';
import { ExitCode, refused, usageError } from '../../core/errors.js';
import { getOverSocket } from '../../host/agent-server.js';
import { dockerConfigDir } from '../../host/credential-lookup.js';
import { nodeFiles } from '../../host/files.js';
import { resolveHostPath, rooted } from '../../host/host-path.js';
import { closeHttpAgents } from '../../host/http.js';
import { processes } from '../../host/processes.js';
import { watchPaths } from '../../host/watch.js';
import * as z from 'zod';
import type { ReconcilePorts } from '../../agent/reconcile.js';
import type { CommandContext, Runner } from '../context.js';
import { agentStatusSchema } from '../documents/agent-document.js';
import { emit } from '../documents/documents.js';
import { hostOf } from './io.js';

interface AgentFlags {
  config: string;
  once?: boolean;
  /** Milliseconds: commander's parser checked the duration. */
  interval?: number;
  mode?: AgentMode;
  listen?: string;
  socket?: string;
}

/** `regsetup agent [status|install|uninstall]`. */
export const run: Runner = async (ctx, [action], opts) => {
  const flags = opts as unknown as AgentFlags;
  switch (action) {
    case undefined:
      return runAgent(ctx, flags);
    case 'status':
      return status(ctx, flags);
    case 'install':
    case 'uninstall':
      return install(ctx, flags, action);
    default:
      throw usageError(`unknown agent action "${action}"`, 'Use `regsetup agent` (run it), `agent status`, `agent install` or `agent uninstall`.');
  }
};

// The flags' forms were checked as commander read them (cli/flag-parsers.ts).
function overrides(flags: AgentFlags) {
  const out: { interval?: number; mode?: AgentMode; listen?: string; socket?: string } = {};
  if (flags.interval !== undefined) out.interval = flags.interval;
  if (flags.mode !== undefined) out.mode = flags.mode;
  if (flags.listen !== undefined) out.listen = flags.listen;
  if (flags.socket !== undefined) out.socket = flags.socket;
  return out;
}

async function runAgent(ctx: CommandContext, flags: AgentFlags): Promise<ExitCode> {
  const host = await hostOf(ctx);
  const human = !ctx.global.json && Boolean((process.stdout as { isTTY?: boolean }).isTTY);
  // Under --json stdout carries the one document: the log lines go to stderr then.
  const log = createLog(ctx.global.json ? process.stderr : process.stdout, { human, debug: Boolean(ctx.env.REGSETUP_DEBUG) });
  // Settings that the wiring needs before the agent exists (a missing or invalid file: exit 2 before anything is touched).
  const preload = (await readDesiredFile(rooted(nodeFiles(), ctx.global.root), flags.config)).agent;
  return asSingleInstance(ctx.global.root, async () => {
    const dockerDir = dockerConfigDir(ctx.env, preload.dockerConfig);
    const agent = new Agent({
      host,
      log,
      ports: markingStores(ctx, realReconcilePorts(host, log, { dockerConfigDir: dockerDir, uid: process.getuid?.() ?? 0 })),
      timers: realTimers,
      desiredFilePath: flags.config,
      overrides: overrides(flags),
      dockerConfigDir: dockerDir,
      watch: (paths, onChange) => watchPaths(paths, onChange, { root: ctx.global.root, debounceMs: preload.debounce, onError: (dir, e) => log.log('warn', 'cannot watch a directory; the periodic check still covers it', { dir, error: e.message }) }),
    });
    await agent.load();
    if (!flags.once) return (await serveAgent(agent, { root: ctx.global.root, log, env: ctx.env, processes })) as ExitCode;
    try {
      await agent.run({ kind: 'full', trigger: 'start', paths: [] });
    } finally {
      await closeHttpAgents();
    }
    const view = agent.view();
    const status = view.status();
    if (Object.values(status.lastRun?.results ?? {}).includes('repaired')) ctx.out.markChanged();
    for (const f of view.findings()) ctx.out.report(`${f.severity}: ${f.registry ? `${f.registry}: ` : ''}${f.message}`);
    ctx.out.report(agent.healthy() ? `converged: ${agent.file.registries.map((r) => r.registry).join(', ') || 'no registry in the file'}` : 'not converged');
    await emit(ctx.out, 'agent', status);
    const first = agent.findings.errors[0];
    if (first === undefined) return ExitCode.ok;
    return first.code === 'DRIFT' ? ExitCode.verifyFailed : first.code === 'ERR_APPLY_ROLLED_BACK' ? ExitCode.rolledBack : first.code.startsWith('ERR_') ? ExitCode.preflightRefused : ExitCode.verifyFailed;
  });
}

/** A credentials port that marks the run as a change when it stored something (`agent --once --json`'s `changed`). */
function markingStores<P extends Pick<ReconcilePorts, 'credentials'>>(ctx: CommandContext, ports: P): P {
  const credentials = ports.credentials;
  if (credentials === undefined) return ports;
  const store: typeof credentials.store = async (...args) => {
    const stored = await credentials.store(...args);
    if (stored) ctx.out.markChanged();
    return stored;
  };
  return { ...ports, credentials: { ...credentials, store } };
}

/** `agent status`: ask the running agent over its socket. */
async function status(ctx: CommandContext, flags: AgentFlags): Promise<ExitCode> {
  const socket = resolveHostPath(ctx.global.root, flags.socket ?? '/run/regsetup/agent.sock');
  const answer = await getOverSocket(socket, '/status');
  if (answer === undefined) throw refused('ERR_AGENT_NOT_RUNNING', `no regsetup agent answers on ${socket}`, 'Start it (`regsetup agent`, or `systemctl start regsetup-agent`).');
  const doc = parseAnswer(answer.body, socket);
  ctx.out.report(`agent pid ${doc.pid} (${doc.mode}): ${doc.ok ? 'healthy' : 'NOT healthy'}; registries: ${doc.registries.join(', ') || 'none'}`);
  if (doc.lastRun) ctx.out.report(`  last convergence ${doc.lastRun.at} (${doc.lastRun.trigger})`);
  for (const f of doc.findings) ctx.out.report(`  ${f.severity} ${f.code}${f.registry ? ` ${f.registry}` : ''} since ${f.since}: ${f.message}`);
  await emit(ctx.out, 'agent status', doc);
  return doc.ok ? ExitCode.ok : ExitCode.verifyFailed;
}

/** The agent's answer, as its schema says (an agent of another version may answer otherwise). */
function parseAnswer(body: string, socket: string) {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    value = undefined;
  }
  const parsed = agentStatusSchema.safeParse(value);
  if (!parsed.success) throw refused('ERR_AGENT_ANSWER', `the agent on ${socket} answered /status with something that is not its status: ${z.prettifyError(parsed.error).split('\n')[0]}`, 'Restart it with this regsetup (`systemctl restart regsetup-agent`): it may be another version.');
  return parsed.data;
}

async function install(ctx: CommandContext, flags: AgentFlags, action: 'install' | 'uninstall'): Promise<ExitCode> {
  const ports = { files: rooted(nodeFiles(), ctx.global.root), processes, root: ctx.global.root };
  if (action === 'uninstall') {
    const r = await uninstallAgent(ports);
    if (r.removed) ctx.out.markChanged();
    ctx.out.report(r.removed ? `removed ${r.path}${r.disabled ? '; the service is stopped and disabled' : ''}` : `${r.path} was not installed`);
    await emit(ctx.out, 'agent uninstall', { ok: true, ...r });
    return ExitCode.ok;
  }
  // The unit runs this very install: this Node (never /usr/bin/env node) and this script.
  // A young generation of 1 MB keeps an idle agent ~6 MB smaller; it allocates little between runs.
  const exec = process.argv[1] && process.argv[1] !== process.execPath ? [process.execPath, '--max-semi-space-size=1', process.argv[1]] : [process.execPath];
  const config = flags.config ?? DEFAULT_DESIRED_FILE;
  const r = await installAgent(ports, { exec, config, dockerConfigDir: dockerConfigDir(ctx.env) });
  if (r.changed || r.started) ctx.out.markChanged();
  ctx.out.report(`${r.changed ? 'wrote' : 'unchanged:'} ${r.path}${r.enabled ? '; enabled and started (systemctl enable --now)' : '; systemd is not running here: start it with your service manager, or as a plain process: regsetup agent'}`);
  await emit(ctx.out, 'agent install', { ok: true, ...r, exec, config });
  return ExitCode.ok;
}
