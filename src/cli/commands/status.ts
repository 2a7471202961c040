import { readFileSnapshot } from '../../apply/read-snapshot.js';
import { ExitCode } from '../../core/errors.js';
import { DEFAULT_STATE_DIR, driftReport, journalPath, parseJournal } from '../../core/journal.js';
import { nodeFiles } from '../../host/files.js';
import { rooted } from '../../host/host-path.js';
import { CERTS_DIR } from '../../join/host.js';
import type { Runner } from '../program.js';

/** `regsetup status`: the registries regsetup manages here, and any drift from what join left. Needs no daemon. */
export const run: Runner = async (ctx) => {
  const files = nodeFiles();
  const root = ctx.global.root;
  const journal = parseJournal(await rooted(files, root).readText(journalPath(DEFAULT_STATE_DIR)));
  const entries = Object.values(journal.registries);
  const daemonJsonPath = entries[0]?.daemonJsonPath ?? '/etc/docker/daemon.json';
  const snapshot = await readFileSnapshot(files, { root, stateDir: DEFAULT_STATE_DIR, daemonJsonPath, certsDir: CERTS_DIR });
  const report = driftReport(journal, snapshot);
  if (entries.length === 0) ctx.out.report('regsetup manages no registry on this host.');
  for (const r of report.registries) {
    ctx.out.report(`${r.registry}${r.pushRegistry ? ` (push: ${r.pushRegistry})` : ''}: ${r.drifted ? 'DRIFTED' : 'as joined'} since ${r.joinedAt}`);
    for (const m of r.missingMirrors) ctx.out.report(`  registry-mirrors entry ${m} was removed from ${r.daemonJsonPath}`);
    for (const i of r.missingInsecure) ctx.out.report(`  insecure-registries entry ${i} was removed from ${r.daemonJsonPath}`);
    for (const f of r.files.filter((x) => x.state !== 'ok')) ctx.out.report(`  ${f.path} is ${f.state}`);
  }
  if (report.daemonJsonError) ctx.out.report(`daemon.json: ${report.daemonJsonError}`);
  if (report.drifted) ctx.out.report(`Run \`regsetup join <registry> …\` again to repair, or \`regsetup leave <registry>\`.`);
  ctx.out.document({ ok: !report.drifted, ...report });
  return report.drifted ? ExitCode.verifyFailed : ExitCode.ok;
};
