import { ExitCode, usageError } from '../../core/errors.js';
import { normalizeFingerprint } from '../../core/fingerprint.js';
import { dockerConfigDir } from '../../host/credential-lookup.js';
import { closeHttpAgents } from '../../host/http.js';
import { readPassword } from '../../host/secret-input.js';
import { stateDirOf, type ConvergeHost } from '../../converge/converge.js';
import type { DockerLayout } from '../../runtimes/docker/layout.js';
import { inspectCredentials } from '../../credentials/inspect.js';
import { migrateFix, passFix } from '../../doctor/fixes/credential-fixes.js';
import { containerdFixes } from '../../doctor/fixes/containerd-fixes.js';
import { hostFixes } from '../../doctor/fixes/host-fixes.js';
import { doctorState, type DoctorPorts } from '../../doctor/ports.js';
import { realDoctorPorts } from '../../doctor/real-ports.js';
import { changeLine, compareFindings, findingLines, summaryLine } from '../../doctor/render.js';
import { checksOf, doctorChecks, runChecks } from '../../doctor/run.js';
import { collectTargets, explicitTarget, readTargetSources } from '../../doctor/targets.js';
import { findingJson, isProblem, type Finding, type Target } from '../../doctor/types.js';
import { walkFixes, type FixOutcome } from '../../doctor/walk.js';
import type { CommandContext } from '../context.js';
import type { Runner } from '../context.js';
import { emit } from '../documents/documents.js';
import { credentialCommandPorts } from './credential-ports.js';
import { verifyRuntimes, verifySessions, verifySetup, type VerifyFlags } from './verify-input.js';
import { detectSessions } from '../../runtimes/registry.js';
import { hostOf } from './io.js';
import { askYesNo, passwordPrompt } from '../prompt.js';

type Flags = VerifyFlags & { fix?: boolean; caFile?: string; caUrl?: string; caFingerprint?: string[]; trustOnFirstUse?: boolean };

/** The targets: the registry given, or every registry this host is set up for. */
function discoverer(ports: DoctorPorts, registryArg: string | undefined, flags: Flags, env: NodeJS.ProcessEnv) {
  return async (layout: DockerLayout): Promise<Target[]> => {
    const sources = await readTargetSources(ports.files, { stateDir: ports.stateDir, daemonJsonPath: layout.daemonJsonPath, certsDir: layout.certsDir, dockerConfigDir: dockerConfigDir(env) });
    return registryArg === undefined ? collectTargets(sources) : [explicitTarget(registryArg, flags.pushRegistry, sources.journal)];
  };
}

function ports(ctx: CommandContext, host: ConvergeHost, registryArg: string | undefined, flags: Flags, password: string | undefined): Promise<DoctorPorts> {
  // Credentials from the command line belong to the registry named there, never to the others.
  const anonymous: CommandContext = { ...ctx, env: { ...ctx.env, REGSETUP_PASSWORD: undefined } };
  const common = { hubImage: flags.hubImage, pushRepo: flags.pushRepo, maxClockSkew: flags.maxClockSkew };
  const creds = credentialCommandPorts(ctx, undefined);
  const credFix = { ...creds, root: ctx.global.root };
  const note = (line: string) => ctx.out.note(`    ${line}`);
  return realDoctorPorts({
    host: host.ports,
    stateDir: stateDirOf(host),
    fixes: (docker) => ({
      ...hostFixes({ host, ...(docker ? { docker } : {}), note, caFile: flags.caFile, caUrl: flags.caUrl, caFingerprint: flags.caFingerprint, trustOnFirstUse: Boolean(flags.trustOnFirstUse) }),
      ...containerdFixes({ host, note }),
      migrateCredentials: () => migrateFix(credFix),
      avoidPass: (registries) => passFix(credFix, registries),
    }),
    credentials: () => inspectCredentials(creds, creds.dockerConfigDir),
    verifySetup: async (t) => {
      const setup = t.registry.hostPort === registryArg && t.sources.includes('argument')
        ? await verifySetup(anonymous, t.registry.hostPort, { ...common, pushRegistry: t.pushRegistry.hostPort, ...(flags.username ? { username: flags.username } : {}) }, password)
        : await verifySetup(anonymous, t.registry.hostPort, { ...common, pushRegistry: t.pushRegistry.hostPort });
      return { ...setup, runtimes: await verifyRuntimes(verifySessions(await detectSessions(host.ports, ['docker']))) };
    },
  });
}

async function check(ctx: CommandContext, p: DoctorPorts, discover: ReturnType<typeof discoverer>, hubImage: string, checks = doctorChecks): Promise<Finding[]> {
  const state = await doctorState(p, discover, hubImage);
  if (checks === doctorChecks) {
    ctx.out.note(state.targets.length === 0 ? 'doctor: no registry configured on this host; checking the daemon and credentials' : `doctor: checking ${state.targets.map((t) => t.registry.hostPort).join(', ')}`);
  }
  let running: { done(): void } | undefined;
  return runChecks(state, checks, {
    onStart: (name) => void (running = ctx.out.progress(`checking ${name}`)),
    onDone: (name, found, ms) => {
      running?.done();
      ctx.out.note(`${found.some(isProblem) ? '✗' : found.length > 0 ? '!' : '✓'} ${name.padEnd(12)} ${String(ms).padStart(6)} ms${found.length > 0 ? `  ${found.length} finding${found.length === 1 ? '' : 's'}` : ''}`);
    },
  });
}

/** `regsetup doctor [<registry>]`: every check, each finding explained; fixes offered (TTY) or applied (--fix --yes), then re-checked. */
export const run: Runner = async (ctx, [registryArg], opts) => {
  const flags = opts as unknown as Flags;
  if (registryArg === undefined && (flags.username || flags.passwordStdin || flags.passwordFile || flags.pushRegistry)) {
    throw usageError('--username, --password-* and --push-registry need a <registry>', 'Name the registry they belong to: regsetup doctor <registry> --username …');
  }
  if (flags.caFingerprint !== undefined) flags.caFingerprint = flags.caFingerprint.map(normalizeFingerprint); // a bad pin is bad usage, before any check
  const password = registryArg === undefined ? undefined : await readPassword(flags, ctx.stdin, ctx.env, passwordPrompt(ctx.interactive));
  const p = await ports(ctx, await hostOf(ctx), registryArg, flags, password);
  const discover = discoverer(p, registryArg, flags, ctx.env);
  try {
    const findings = await check(ctx, p, discover, flags.hubImage);
    for (const f of findings) findingLines(f).forEach((l) => ctx.out.report(l));
    ctx.out.report(summaryLine(findings));

    let fixes: FixOutcome[] = [];
    let after: Finding[] | undefined;
    const fixable = findings.filter((f) => f.apply);
    if (fixable.length > 0 && (ctx.interactive || (flags.fix && ctx.global.yes))) {
      const ask = ctx.interactive ? (message: string) => askYesNo(message) : undefined;
      fixes = await walkFixes(findings, { ...(ask ? { ask } : {}), applyAll: !ask, note: (l) => ctx.out.note(l), progress: (label) => ctx.out.progress(label) });
      if (fixes.some((x) => x.status === 'applied')) {
        ctx.out.markChanged();
        ctx.out.note('');
        ctx.out.note('doctor: checking again');
        after = await check(ctx, p, discover, flags.hubImage, checksOf(findings));
        ctx.out.report('before → after:');
        compareFindings(findings, after).forEach((c) => ctx.out.report(changeLine(c)));
        for (const f of after) findingLines(f).forEach((l) => ctx.out.report(l));
        ctx.out.report(summaryLine(after));
      }
    } else if (fixable.length > 0) {
      ctx.out.note(`${fixable.length} finding${fixable.length === 1 ? '' : 's'} doctor can fix: run it in a terminal to be asked, or with --fix --yes to apply ${fixable.length === 1 ? 'it' : 'them'}.`);
    }
    const final = after ?? findings;
    const ok = !final.some(isProblem);
    await emit(ctx.out, 'doctor', {
      ok,
      findings: findings.map(findingJson),
      ...(fixes.length > 0 ? { fixes: fixes.map(({ key, title, findings: answered, status, detail }) => ({ key, title, findings: answered, status, detail })) } : {}),
      ...(after ? { recheck: after.map(findingJson) } : {}),
    });
    return ok ? ExitCode.ok : ExitCode.verifyFailed;
  } finally {
    await closeHttpAgents();
  }
};
