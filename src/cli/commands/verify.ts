import { ExitCode } from '../../core/errors.js';
import { closeHttpAgents } from '../../host/http.js';
import { stepProgress, summaryLine } from '../../verify/render.js';
import { runVerify } from '../../verify/suite.js';
import type { Runner } from '../program.js';
import { verifySetup, type VerifyFlags } from './verify-input.js';

export const run: Runner = async (ctx, [registryArg], opts) => {
  const { input, ports } = await verifySetup(ctx, registryArg!, opts as unknown as VerifyFlags);
  ctx.out.note(`verifying ${input.registry.hostPort}${input.pushRegistry === input.registry ? '' : ` (pushes to ${input.pushRegistry.hostPort})`}`);
  try {
    const { report } = await runVerify(input, ports, stepProgress(ctx.out));
    ctx.out.report(summaryLine(report));
    ctx.out.document(report);
    return report.ok ? ExitCode.ok : ExitCode.verifyFailed;
  } finally {
    await closeHttpAgents();
  }
};
