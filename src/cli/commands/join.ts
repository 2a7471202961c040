import { applyPrepared, prepareJoin } from '../../converge/converge.js';
import { readDesiredFile, saveRegistry } from '../../converge/desired-file-store.js';
import { savedEntry } from '../../core/desired-file-edit.js';
import { DEFAULT_DESIRED_FILE } from '../../core/desired-file.js';
import { desiredFromFlags, flagsInput, type DesiredState, type JoinFlags } from '../../core/desired-state.js';
import { ExitCode, usageError } from '../../core/errors.js';
import { during } from '../../core/progress.js';
import { planToJson, renderPlanDiff } from '../../core/plan-render.js';
import { joinHosts } from '../../core/plan-types.js';
import { loginChanged, loginRegistry } from '../../credentials/login.js';
import { storeInHelper } from '../../credentials/store-only.js';
import { readPasswordFile } from '../../credentials/password-file.js';
import { caDecisionJson } from '../../preflight/ca.js';
import { nodeFiles } from '../../host/files.js';
import { rooted } from '../../host/host-path.js';
import { closeHttpAgents } from '../../host/http.js';
import { readPassword } from '../../host/secret-input.js';
import type { DockerSession } from '../../runtimes/docker/session.js';
import type { RuntimeSession } from '../../runtimes/types.js';
import { stepProgress, summaryLine } from '../../verify/render.js';
import { passwordPrompt } from '../prompt.js';
import { runVerify } from '../../verify/suite.js';
import type { CommandContext } from '../context.js';
import type { Runner } from '../context.js';
import { emit } from '../documents/documents.js';
import type { JoinedRegistry } from '../documents/join-document.js';
import { appliedJson, appliedLine, hostOf, joinedJson, operatorIo, plannedJson } from './io.js';
import { credentialCommandPorts } from './credential-ports.js';
import { profileDesired } from './profile-fetch.js';
import { verifyRuntimes, verifySetup, type VerifyFlags } from './verify-input.js';

type Flags = JoinFlags & VerifyFlags & { dryRun?: boolean; dockerConfig?: string; config?: string; save?: boolean; profile?: string };

/** `regsetup join`: preflight → plan → confirm → apply → activate → confirm → verify, for every runtime on the node. */
export const run: Runner = async (ctx, [registryArg], opts) => {
  const flags = opts as unknown as Flags;
  try {
    if (registryArg === undefined) {
      if (flags.config === undefined) throw usageError("missing required argument 'registry'", 'Name the registry, or join everything a desired-state file lists with --config FILE.');
      return await joinFile(ctx, flags.config, flags);
    }
    const { desired, input } = flags.profile ? await profileDesired(ctx, registryArg, flags, flags.profile) : { desired: desiredFromFlags(registryArg, flags), input: flagsInput(registryArg, flags) };
    const password = await readPassword(flags, ctx.stdin, ctx.env, passwordPrompt(ctx.interactive));
    const result = await joinDesired(ctx, desired, password, flags);
    if (flags.save && !flags.dryRun && result.exitCode === ExitCode.ok) {
      const file = flags.config ?? DEFAULT_DESIRED_FILE;
      const entry = savedEntry(input, desired);
      // A password read from stdin is the helper's now: the file refers to it by user name only.
      if (await saveRegistry(rooted(nodeFiles(), ctx.global.root), file, entry)) {
        ctx.out.markChanged();
        ctx.out.note(`saved ${desired.registry} in ${file}`);
      }
    }
    await emit(ctx.out, ctx.out.command === 'plan' ? 'plan' : 'join', result.document);
    return result.exitCode;
  } finally {
    await closeHttpAgents();
  }
};

/** `join --config FILE`: every registry the file lists, one after the other; the first failure stops. */
async function joinFile(ctx: CommandContext, file: string, flags: Flags) {
  const files = rooted(nodeFiles(), ctx.global.root);
  const desiredFile = await readDesiredFile(files, file);
  const documents: JoinedRegistry[] = [];
  let exitCode: ExitCode = ExitCode.ok;
  for (const desired of desiredFile.registries) {
    const c = desired.credentials;
    const password = c?.passwordFile === undefined ? undefined : await readPasswordFile(files, c.passwordFile, c.username);
    const result = await joinDesired(ctx, desired, password, flags);
    documents.push(result.document);
    exitCode = result.exitCode;
    if (exitCode !== ExitCode.ok) break;
  }
  if (desiredFile.registries.length === 0) ctx.out.note(`${file} lists no registry: nothing to join`);
  await emit(ctx.out, 'join', { ok: exitCode === ExitCode.ok, config: file, registries: documents });
  return exitCode;
}

/** One registry's join, as the flags or the desired-state file describe it. */
async function joinDesired(ctx: CommandContext, desired: DesiredState, password: string | undefined, flags: Flags): Promise<{ exitCode: ExitCode; document: JoinedRegistry }> {
  const io = operatorIo(ctx);
  const host = await hostOf(ctx);
  const username = desired.credentials?.username;
  const credentials = password === undefined || username === undefined ? undefined : { username, password };
  const prepared = await prepareJoin(desired, { hubImage: flags.hubImage, pushRepo: flags.pushRepo, ...(credentials ? { credentials } : {}) }, host, io);
  const skewMs = prepared.preflight?.clockSkewMs;
  const skew = skewMs === undefined ? null : Math.round(skewMs / 1000);
  const ca = caDecisionJson(prepared.preflight?.ca);
  if (flags.dryRun) {
    ctx.out.report(renderPlanDiff(prepared.plan).trimEnd());
    return { exitCode: ExitCode.ok, document: { ...plannedJson(desired.registry, planToJson(prepared.plan)), clockSkewSeconds: skew, ca } };
  }
  const applied = await applyPrepared(prepared, host, io);
  if (appliedJson(applied).changed) ctx.out.markChanged();
  ctx.out.note(appliedLine(desired.registry, applied));
  const stored = credentials ? await storeCredentials(ctx, prepared.sessions, joinHosts(prepared.preflight!.resolved), credentials, flags.dockerConfig) : false;
  if (stored) ctx.out.markChanged();
  const result = joinedJson(desired.registry, applied, { credentialsChanged: stored, clockSkewSeconds: skew, ca });
  if (!desired.verify) return { exitCode: ExitCode.ok, document: { ...result, verify: null } };
  const verifyFlags = { ...flags, username, maxClockSkew: String(desired.maxClockSkewSeconds), ...(desired.pushRegistry ? { pushRegistry: desired.pushRegistry } : {}) };
  const setup = await verifySetup(ctx, desired.registry, verifyFlags, password);
  const { report } = await runVerify(setup.input, setup.ports, await verifyRuntimes(prepared.sessions), stepProgress(ctx.out));
  ctx.out.report(summaryLine(report));
  return { exitCode: report.ok ? ExitCode.ok : ExitCode.verifyFailed, document: { ...result, ok: report.ok, verify: report } };
}

/**
 * Credentials go into the regsetup credential helper (never plaintext), for the registry and the
 * push registry. true when anything was written: the same user and password again is no change.
 */
async function storeCredentials(ctx: CommandContext, sessions: readonly RuntimeSession[], hostPorts: string[], c: { username: string; password: string }, dockerConfig: string | undefined): Promise<boolean> {
  const docker = sessions.find((s): s is DockerSession => s.kind === 'docker');
  const ports = credentialCommandPorts(ctx, dockerConfig);
  const progress = (label: string) => ctx.out.progress(label);
  let changed = false;
  if (docker === undefined) {
    // No daemon to log in through: the store alone, which the runtimes' files and kubelet's provider name.
    for (const registry of hostPorts) {
      const r = await during(progress, `storing the credentials for ${registry} in the regsetup helper`, () =>
        storeInHelper(ports, { registry, username: c.username, password: c.password, root: ctx.global.root, dockerConfigDir: ports.dockerConfigDir }),
      );
      changed ||= r.changed;
      ctx.out.note(`credentials of ${c.username} for ${registry} ${r.changed ? 'stored in' : 'already in'} the regsetup helper`);
    }
    return changed;
  }
  for (const registry of hostPorts) {
    const r = await during(progress, `logging in to ${registry} through ${docker.label} and storing the credentials in the regsetup helper`, () =>
      loginRegistry({ ...ports, docker: docker.docker }, { registry, username: c.username, password: c.password, dockerConfigDir: ports.dockerConfigDir, root: ctx.global.root }),
    );
    changed ||= loginChanged(r);
    ctx.out.note(`credentials of ${c.username} for ${registry} ${r.stored ? 'stored in' : 'already in'} the ${r.backend} helper; ${r.dockerConfig} names docker-credential-regsetup`);
  }
  return changed;
}
