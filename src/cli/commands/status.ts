import { statusReport } from '../../converge/status.js';
import { ExitCode } from '../../core/errors.js';
import type { Runner } from '../context.js';
import { emit } from '../documents/documents.js';
import { hostOf } from './io.js';

/** `regsetup status`: the registries regsetup manages here, and any drift from what join left, per runtime. Needs no daemon. */
export const run: Runner = async (ctx) => {
  const report = await statusReport(await hostOf(ctx));
  if (report.registries.length === 0) ctx.out.report('regsetup manages no registry on this host.');
  for (const r of report.registries) {
    ctx.out.report(`${r.registry}${r.pushRegistry ? ` (push: ${r.pushRegistry})` : ''}: ${r.drifted ? 'DRIFTED' : 'as joined'} since ${r.joinedAt}`);
    for (const rt of r.runtimes) {
      ctx.out.report(`  ${rt.label}${rt.running ? '' : ' (not running)'}: ${rt.drift.length === 0 ? 'as joined' : 'drifted'}`);
      for (const d of rt.drift) ctx.out.report(`    ${d.what}`);
    }
    for (const w of r.warnings) ctx.out.report(`  warning: ${w}`);
  }
  if (report.drifted) ctx.out.report('Run `regsetup join <registry> …` again to repair, or `regsetup leave <registry>`.');
  await emit(ctx.out, 'status', { ok: !report.drifted, ...report });
  return report.drifted ? ExitCode.verifyFailed : ExitCode.ok;
};
