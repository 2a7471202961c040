import { desiredFromFlags, type JoinFlags } from '../../core/desired-state.js';
import { ExitCode } from '../../core/errors.js';
import { planToJson, renderPlanDiff } from '../../core/plan.js';
import { parseRegistry } from '../../core/registry-name.js';
import { loginRegistry } from '../../credentials/login.js';
import type { DockerApi } from '../../host/docker-api.js';
import { closeHttpAgents } from '../../host/http.js';
import { readPassword } from '../../host/secret-input.js';
import { confirmAndApply, prepareJoin, type JoinIo } from '../../join/run-join.js';
import { stepLines, summaryLine } from '../../verify/render.js';
import { runVerify } from '../../verify/suite.js';
import type { CommandContext } from '../context.js';
import type { Runner } from '../program.js';
import { credentialCommandPorts } from './credential-ports.js';
import { verifySetup, type VerifyFlags } from './verify-input.js';
import { askYesNo } from '../prompt.js';

type Flags = JoinFlags & VerifyFlags & { dryRun?: boolean; dockerConfig?: string };

/** Who answers the plan's question: --yes, the operator on a terminal, or nobody (then it is an error). */
export function operatorIo(ctx: CommandContext): Pick<JoinIo, 'yes' | 'note' | 'confirm'> {
  return {
    yes: ctx.global.yes,
    note: (line) => ctx.out.note(line),
    ...(ctx.interactive ? { confirm: (message: string) => askYesNo(message) } : {}),
  };
}

function joinIo(ctx: CommandContext, flags: { hubImage: string }): JoinIo {
  return { ...operatorIo(ctx), root: ctx.global.root, dockerHost: ctx.global.dockerHost, hubImage: flags.hubImage };
}

/** `regsetup join`: preflight → plan → confirm → apply → reload → confirm → verify. */
export const run: Runner = async (ctx, [registryArg], opts) => {
  const flags = opts as unknown as Flags;
  const desired = desiredFromFlags(registryArg!, flags);
  const io = joinIo(ctx, flags);
  try {
    const password = await readPassword(flags, ctx.stdin, ctx.env);
    const prepared = await prepareJoin(desired, io, password === undefined ? undefined : { username: flags.username!, password }, flags.pushRepo);
    const skew = prepared.clockSkewMs === undefined ? null : Math.round(prepared.clockSkewMs / 1000);
    if (flags.dryRun) {
      ctx.out.report(renderPlanDiff(prepared.plan).trimEnd());
      ctx.out.document({ ok: true, registry: desired.registry, dryRun: true, clockSkewSeconds: skew, plan: planToJson(prepared.plan) });
      return ExitCode.ok;
    }
    const applied = await confirmAndApply(prepared.plan, prepared.host, io);
    const changed = applied.changes.filter((c) => c.change !== 'unchanged');
    ctx.out.note(changed.length === 0 && applied.daemon === 'unchanged' ? `${desired.registry}: already up to date` : `${desired.registry}: ${changed.map((c) => `${c.change} ${c.path}`).join(', ')}; dockerd ${applied.daemon}`);
    const result = { ok: true, registry: desired.registry, changes: applied.changes, daemon: applied.daemon, clockSkewSeconds: skew, warnings: prepared.plan.warnings };
    if (password !== undefined) {
      const hostPorts = [desired.registry, desired.pushRegistry ?? desired.registry].map((r) => parseRegistry(r).hostPort);
      await storeCredentials(ctx, hostPorts, flags.username!, password, prepared.host.docker, flags.dockerConfig);
    }
    if (!desired.verify) {
      ctx.out.document({ ...result, verify: null });
      return ExitCode.ok;
    }
    const setup = await verifySetup(ctx, registryArg!, { ...flags, ...(desired.pushRegistry ? { pushRegistry: desired.pushRegistry } : {}) }, password);
    const { report } = await runVerify(setup.input, setup.ports, { onDone: (step) => stepLines(step).forEach((l) => ctx.out.note(l)) });
    ctx.out.report(summaryLine(report));
    ctx.out.document({ ...result, ok: report.ok, verify: report });
    return report.ok ? ExitCode.ok : ExitCode.verifyFailed;
  } finally {
    await closeHttpAgents();
  }
};

/** Credentials go into the regsetup credential helper (never plaintext), for the registry and the push registry. */
async function storeCredentials(ctx: CommandContext, hostPorts: string[], username: string, password: string, docker: DockerApi, dockerConfig: string | undefined) {
  const ports = credentialCommandPorts(ctx, dockerConfig);
  for (const registry of new Set(hostPorts)) {
    const r = await loginRegistry({ ...ports, docker }, { registry, username, password, dockerConfigDir: ports.dockerConfigDir, root: ctx.global.root });
    ctx.out.note(`credentials of ${username} for ${registry} stored in the ${r.backend} helper; ${r.dockerConfig} names docker-credential-regsetup`);
  }
}
