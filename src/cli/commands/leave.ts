import { applyPrepared, prepareLeave, readJournal } from '../../converge/converge.js';
import { unsaveRegistry } from '../../converge/desired-file-store.js';
import { DEFAULT_DESIRED_FILE } from '../../core/desired-file.js';
import { nodeFiles } from '../../host/files.js';
import { rooted } from '../../host/host-path.js';
import { credentialSourceFor, parseDockerConfig } from '../../core/docker-config.js';
import { credentialKey, REGSETUP_HELPER } from '../../core/docker-config-edit.js';
import { ExitCode } from '../../core/errors.js';
import { during } from '../../core/progress.js';
import { planToJson, renderPlanDiff } from '../../core/plan-render.js';
import { parseRegistry } from '../../core/registry-name.js';
import { removeHelperWrapperIfUnused } from '../../credentials/helper-wrapper.js';
import { withConfigLock } from '../../credentials/docker-config-file.js';
import { logoutRegistry } from '../../credentials/login.js';
import type { CommandContext } from '../context.js';
import type { Runner } from '../context.js';
import { emit } from '../documents/documents.js';
import { credentialCommandPorts, type CredentialCommandPorts } from './credential-ports.js';
import { appliedJson, appliedLine, hostOf, operatorIo, plannedJson } from './io.js';

/** `regsetup leave`: undo exactly what join recorded for a registry, in every runtime, keep what was there before. */
export const run: Runner = async (ctx, [registryArg], opts) => {
  const registry = parseRegistry(registryArg!);
  const io = operatorIo(ctx);
  const host = await hostOf(ctx);
  const runtimes = opts.runtime as string[] | undefined;
  const entry = (await readJournal(host)).registries[registry.hostPort];
  const prepared = await prepareLeave(registry.hostPort, host, runtimes ? { runtimes } : {});
  if (opts.dryRun) {
    ctx.out.report(renderPlanDiff(prepared.plan).trimEnd());
    await emit(ctx.out, 'leave', plannedJson(registry.hostPort, planToJson(prepared.plan)));
    return ExitCode.ok;
  }
  const applied = await applyPrepared(prepared, host, io);
  const files = appliedJson(applied);
  if (files.changed) ctx.out.markChanged();
  const forgotten = applied.plan.journal?.op === 'forget';
  if (entry && forgotten) {
    // The containers auth files that name the helper (podman's record keeps its path).
    const authFiles = Object.values(entry.runtimes).flatMap((r) => {
      const path = (r.authFile as { path?: unknown } | undefined)?.path;
      return typeof path === 'string' ? [path] : [];
    });
    const storeOnly = Object.values(entry.runtimes).some((r) => r.kind !== 'docker');
    await forgetCredentials(ctx, [entry.registry, entry.pushRegistry ?? entry.registry], opts.dockerConfig as string | undefined, { authFiles, storeOnly });
  }
  if (opts.save) {
    const file = (opts.config as string | undefined) ?? DEFAULT_DESIRED_FILE;
    if (await unsaveRegistry(rooted(nodeFiles(), ctx.global.root), file, registry.hostPort)) {
      ctx.out.markChanged();
      ctx.out.note(`removed ${registry.hostPort} from ${file}`);
    }
  }
  ctx.out.report(`${appliedLine(registry.hostPort, applied).replace(/already up to date$/, 'no file changed')}; left`);
  await emit(ctx.out, 'leave', { ok: true, registry: registry.hostPort, ...files });
  return ExitCode.ok;
};

/** What join stored goes too: the helper's entry and the credHelpers line, while they still name regsetup. */
async function forgetCredentials(ctx: CommandContext, registries: string[], dockerConfig: string | undefined, other: { authFiles: string[]; storeOnly: boolean }): Promise<void> {
  const ports = credentialCommandPorts(ctx, dockerConfig);
  // One lock for the logouts and the wrapper's removal: a concurrent join's login is either
  // before (its entry keeps the wrapper) or after (it installs the wrapper again).
  await withConfigLock(ports.files, ports.dockerConfigDir, () => forgetUnderLock(ctx, ports, registries, other));
}

async function forgetUnderLock(ctx: CommandContext, ports: CredentialCommandPorts, registries: string[], other: { authFiles: string[]; storeOnly: boolean }): Promise<void> {
  const progress = (label: string) => ctx.out.progress(label);
  const path = `${ports.dockerConfigDir}/config.json`;
  for (const hostPort of new Set(registries)) {
    const source = credentialSourceFor(parseDockerConfig(await ports.files.readText(path), path), hostPort);
    if (source.kind === 'helper' && source.via === 'credHelpers' && source.helper === REGSETUP_HELPER) {
      const r = await during(progress, `erasing the credentials for ${hostPort} from the regsetup helper`, () => logoutRegistry(ports, { registry: hostPort, dockerConfigDir: ports.dockerConfigDir }));
      if (r.erased || r.configChanged) ctx.out.markChanged();
      ctx.out.note(`credentials for ${hostPort} erased from the regsetup helper`);
    } else if (other.storeOnly && (await during(progress, `erasing the credentials for ${hostPort} from the regsetup helper`, () => ports.store.erase(credentialKey(hostPort))))) {
      // Stored for containerd or podman only (kubelet's provider, the containers auth file): the secret goes too.
      ctx.out.markChanged();
      ctx.out.note(`credentials for ${hostPort} erased from the regsetup helper`);
    }
  }
  const wrapper = await removeHelperWrapperIfUnused(ports.files, other.authFiles);
  if (wrapper.removed) {
    ctx.out.markChanged();
    ctx.out.note(`removed the docker-credential-regsetup wrapper: ${wrapper.reason}`);
  }
}
