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
import type { CommandContext, Runner } from '../context.js';
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
  const log = createLog(process.stdout, { human, debug: Boolean(ctx.env.REGSETUP_DEBUG) });
  // Settings that the wiring needs before the agent exists (a missing or invalid file: exit 2 before anything is touched).
  const preload = (await readDesiredFile(rooted(nodeFiles(), ctx.global.root), flags.config)).agent;
  return asSingleInstance(ctx.global.root, async () => {
    const dockerDir = dockerConfigDir(ctx.env, preload.dockerConfig);
    const agent = new Agent({
      host,
      log,
      ports: realReconcilePorts(host, log, { dockerConfigDir: dockerDir, uid: process.getuid?.() ?? 0 }),
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
    for (const f of view.findings()) ctx.out.report(`${f.severity}: ${f.registry ? `${f.registry}: ` : ''}${f.message}`);
    ctx.out.report(agent.healthy() ? `converged: ${agent.file.registries.map((r) => r.registry).join(', ') || 'no registry in the file'}` : 'not converged');
    ctx.out.document(view.status());
    const first = agent.findings.errors[0];
    if (first === undefined) return ExitCode.ok;
    return first.code === 'DRIFT' ? ExitCode.verifyFailed : first.code === 'ERR_APPLY_ROLLED_BACK' ? ExitCode.rolledBack : first.code.startsWith('ERR_') ? ExitCode.preflightRefused : ExitCode.verifyFailed;
  });
}

/** `agent status`: ask the running agent over its socket. */
async function status(ctx: CommandContext, flags: AgentFlags): Promise<ExitCode> {
  const socket = resolveHostPath(ctx.global.root, flags.socket ?? '/run/regsetup/agent.sock');
  const answer = await getOverSocket(socket, '/status');
  if (answer === undefined) throw refused('ERR_AGENT_NOT_RUNNING', `no regsetup agent answers on ${socket}`, 'Start it (`regsetup agent`, or `systemctl start regsetup-agent`).');
  const doc = JSON.parse(answer.body) as { ok: boolean; pid: number; mode: string; registries: string[]; lastRun: { at: string; trigger: string } | null; findings: Array<{ severity: string; code: string; registry?: string; message: string; since: string }> };
  ctx.out.report(`agent pid ${doc.pid} (${doc.mode}): ${doc.ok ? 'healthy' : 'NOT healthy'}; registries: ${doc.registries.join(', ') || 'none'}`);
  if (doc.lastRun) ctx.out.report(`  last convergence ${doc.lastRun.at} (${doc.lastRun.trigger})`);
  for (const f of doc.findings) ctx.out.report(`  ${f.severity} ${f.code}${f.registry ? ` ${f.registry}` : ''} since ${f.since}: ${f.message}`);
  ctx.out.document(doc);
  return doc.ok ? ExitCode.ok : ExitCode.verifyFailed;
}

async function install(ctx: CommandContext, flags: AgentFlags, action: 'install' | 'uninstall'): Promise<ExitCode> {
  const ports = { files: rooted(nodeFiles(), ctx.global.root), processes, root: ctx.global.root };
  if (action === 'uninstall') {
    const r = await uninstallAgent(ports);
    ctx.out.report(r.removed ? `removed ${r.path}${r.disabled ? '; the service is stopped and disabled' : ''}` : `${r.path} was not installed`);
    ctx.out.document({ ok: true, ...r });
    return ExitCode.ok;
  }
  // The unit runs this very install: this Node (never /usr/bin/env node) and this script.
  // A young generation of 1 MB keeps an idle agent ~6 MB smaller; it allocates little between runs.
  const exec = process.argv[1] && process.argv[1] !== process.execPath ? [process.execPath, '--max-semi-space-size=1', process.argv[1]] : [process.execPath];
  const config = flags.config ?? DEFAULT_DESIRED_FILE;
  const r = await installAgent(ports, { exec, config, dockerConfigDir: dockerConfigDir(ctx.env) });
  ctx.out.report(`${r.changed ? 'wrote' : 'unchanged:'} ${r.path}${r.enabled ? '; enabled and started (systemctl enable --now)' : '; systemd is not running here: start it with your service manager, or as a plain process: regsetup agent'}`);
  ctx.out.document({ ok: true, ...r, exec, config });
  return ExitCode.ok;
}
