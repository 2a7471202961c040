import { ExitCode } from '../../core/errors.js';
import { planLeave, planToJson, renderPlanDiff } from '../../core/plan.js';
import { parseRegistry } from '../../core/registry-name.js';
import { openHost, snapshotHost } from '../../join/host.js';
import { confirmAndApply } from '../../join/run-join.js';
import { credentialSourceFor, parseDockerConfig } from '../../core/docker-config.js';
import { REGSETUP_HELPER } from '../../core/docker-config-edit.js';
import { removeHelperWrapperIfUnused } from '../../credentials/helper-wrapper.js';
import { logoutRegistry } from '../../credentials/login.js';
import type { CommandContext } from '../context.js';
import type { Runner } from '../program.js';
import { credentialCommandPorts } from './credential-ports.js';
import { operatorIo } from './join.js';

/** `regsetup leave`: undo exactly what join recorded for a registry, keep what was there before, reload, confirm. */
export const run: Runner = async (ctx, [registryArg], opts) => {
  const registry = parseRegistry(registryArg!);
  const io = operatorIo(ctx);
  const host = await openHost({ root: ctx.global.root, dockerHost: ctx.global.dockerHost });
  const snapshot = await snapshotHost(host, [registry.hostPort]);
  const plan = planLeave(snapshot, registry.hostPort, Date.now());
  if (opts.dryRun) {
    ctx.out.report(renderPlanDiff(plan).trimEnd());
    ctx.out.document({ ok: true, registry: registry.hostPort, dryRun: true, plan: planToJson(plan) });
    return ExitCode.ok;
  }
  const entry = snapshot.journal?.registries[registry.hostPort];
  const applied = await confirmAndApply(plan, host, io);
  if (entry) await forgetCredentials(ctx, [entry.registry, entry.pushRegistry ?? entry.registry], opts.dockerConfig as string | undefined);
  const changed = applied.changes.filter((c) => c.change !== 'unchanged');
  ctx.out.report(`${registry.hostPort}: left (${changed.map((c) => `${c.change} ${c.path}`).join(', ') || 'no file changed'}; dockerd ${applied.daemon})`);
  ctx.out.document({ ok: true, registry: registry.hostPort, changes: applied.changes, daemon: applied.daemon });
  return ExitCode.ok;
};

/** What join stored goes too: the helper's entry and the credHelpers line, while they still name regsetup. */
async function forgetCredentials(ctx: CommandContext, registries: string[], dockerConfig: string | undefined): Promise<void> {
  const ports = credentialCommandPorts(ctx, dockerConfig);
  const path = `${ports.dockerConfigDir}/config.json`;
  for (const hostPort of new Set(registries)) {
    const source = credentialSourceFor(parseDockerConfig(await ports.files.readText(path), path), hostPort);
    if (source.kind !== 'helper' || source.via !== 'credHelpers' || source.helper !== REGSETUP_HELPER) continue;
    await logoutRegistry(ports, { registry: hostPort, dockerConfigDir: ports.dockerConfigDir });
    ctx.out.note(`credentials for ${hostPort} erased from the regsetup helper`);
  }
  const wrapper = await removeHelperWrapperIfUnused(ports.files);
  if (wrapper.removed) ctx.out.note(`removed the docker-credential-regsetup wrapper: ${wrapper.reason}`);
}
