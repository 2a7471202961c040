import { applyPrepared, prepareJoin } from '../../converge/converge.js';
import { desiredFromFlags, type JoinFlags } from '../../core/desired-state.js';
import { ExitCode } from '../../core/errors.js';
import { renderPlanDiff, planToJson } from '../../core/plan-render.js';
import { joinHosts } from '../../core/plan-types.js';
import { loginRegistry } from '../../credentials/login.js';
import { closeHttpAgents } from '../../host/http.js';
import { readPassword } from '../../host/secret-input.js';
import type { DockerSession } from '../../runtimes/docker/session.js';
import type { RuntimeSession } from '../../runtimes/types.js';
import { stepProgress, summaryLine } from '../../verify/render.js';
import { passwordPrompt } from '../prompt.js';
import { runVerify } from '../../verify/suite.js';
import type { CommandContext } from '../context.js';
import type { Runner } from '../context.js';
import { appliedJson, appliedLine, hostOf, operatorIo } from './io.js';
import { credentialCommandPorts } from './credential-ports.js';
import { verifyRuntimes, verifySetup, type VerifyFlags } from './verify-input.js';

type Flags = JoinFlags & VerifyFlags & { dryRun?: boolean; dockerConfig?: string };

/** `regsetup join`: preflight → plan → confirm → apply → activate → confirm → verify, for every runtime on the node. */
export const run: Runner = async (ctx, [registryArg], opts) => {
  const flags = opts as unknown as Flags;
  const desired = desiredFromFlags(registryArg!, flags);
  const io = operatorIo(ctx);
  const host = await hostOf(ctx);
  try {
    const password = await readPassword(flags, ctx.stdin, ctx.env, passwordPrompt(ctx.interactive));
    const credentials = password === undefined ? undefined : { username: flags.username!, password };
    const prepared = await prepareJoin(desired, { hubImage: flags.hubImage, pushRepo: flags.pushRepo, ...(credentials ? { credentials } : {}) }, host, io);
    const skewMs = prepared.preflight?.clockSkewMs;
    const skew = skewMs === undefined ? null : Math.round(skewMs / 1000);
    if (flags.dryRun) {
      ctx.out.report(renderPlanDiff(prepared.plan).trimEnd());
      ctx.out.document({ ok: true, registry: desired.registry, dryRun: true, changed: false, clockSkewSeconds: skew, plan: planToJson(prepared.plan) });
      return ExitCode.ok;
    }
    const applied = await applyPrepared(prepared, host, io);
    ctx.out.note(appliedLine(desired.registry, applied));
    const warnings = [...applied.plan.warnings, ...applied.plan.runtimes.flatMap((r) => r.warnings)];
    const result = { ok: true, registry: desired.registry, ...appliedJson(applied), clockSkewSeconds: skew, warnings };
    if (credentials) await storeCredentials(ctx, prepared.sessions, joinHosts(prepared.preflight!.resolved), credentials, flags.dockerConfig);
    if (!desired.verify) {
      ctx.out.document({ ...result, verify: null });
      return ExitCode.ok;
    }
    const setup = await verifySetup(ctx, registryArg!, { ...flags, ...(desired.pushRegistry ? { pushRegistry: desired.pushRegistry } : {}) }, password);
    const { report } = await runVerify(setup.input, setup.ports, await verifyRuntimes(prepared.sessions), stepProgress(ctx.out));
    ctx.out.report(summaryLine(report));
    ctx.out.document({ ...result, ok: report.ok, verify: report });
    return report.ok ? ExitCode.ok : ExitCode.verifyFailed;
  } finally {
    await closeHttpAgents();
  }
};

/** Credentials go into the regsetup credential helper (never plaintext), for the registry and the push registry. */
async function storeCredentials(ctx: CommandContext, sessions: readonly RuntimeSession[], hostPorts: string[], c: { username: string; password: string }, dockerConfig: string | undefined) {
  const docker = sessions.find((s): s is DockerSession => s.kind === 'docker');
  if (docker === undefined) return;
  const ports = credentialCommandPorts(ctx, dockerConfig);
  for (const registry of hostPorts) {
    const r = await loginRegistry({ ...ports, docker: docker.docker }, { registry, username: c.username, password: c.password, dockerConfigDir: ports.dockerConfigDir, root: ctx.global.root });
    ctx.out.note(`credentials of ${c.username} for ${registry} stored in the ${r.backend} helper; ${r.dockerConfig} names docker-credential-regsetup`);
  }
}
