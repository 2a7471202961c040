import { ExitCode } from '../../core/errors.js';
import { closeHttpAgents } from '../../host/http.js';
import { detectSessions } from '../../runtimes/registry.js';
import { stepProgress, summaryLine } from '../../verify/render.js';
import { runVerify } from '../../verify/suite.js';
import type { Runner } from '../context.js';
import { emit } from '../documents/documents.js';
import { hostOf } from './io.js';
import { verifyRuntimes, verifySessions, verifySetup, type VerifyFlags } from './verify-input.js';

export const run: Runner = async (ctx, [registryArg], opts) => {
  const flags = opts as unknown as VerifyFlags & { runtime?: string[] };
  const { input, ports } = await verifySetup(ctx, registryArg!, flags);
  ctx.out.note(`verifying ${input.registry.hostPort}${input.pushRegistry === input.registry ? '' : ` (pushes to ${input.pushRegistry.hostPort})`}`);
  try {
    const sessions = verifySessions(await detectSessions((await hostOf(ctx)).ports), flags.runtime);
    const { report } = await runVerify(input, ports, await verifyRuntimes(sessions), stepProgress(ctx.out));
    ctx.out.report(summaryLine(report));
    await emit(ctx.out, 'verify', report);
    return report.ok ? ExitCode.ok : ExitCode.verifyFailed;
  } finally {
    await closeHttpAgents();
  }
};
