import { badInput } from '../../core/errors.js';
import { parseRegistry } from '../../core/registry-name.js';
import { systemClock } from '../../host/clock.js';
import { dockerConfigDir } from '../../host/credential-lookup.js';
import { nodeFiles } from '../../host/files.js';
import { resolveHostPath } from '../../host/host-path.js';
import { readPassword } from '../../host/secret-input.js';
import { sessionAnswers } from '../../runtimes/registry.js';
import { othersRootless, type DockerSession } from '../../runtimes/docker/session.js';
import type { RuntimeSession } from '../../runtimes/types.js';
import type { VerifyRuntime } from '../../verify/runtime-context.js';
import type { VerifyInput, VerifyPorts } from '../../verify/types.js';
import type { CommandContext } from '../context.js';
import { passwordPrompt } from '../prompt.js';

export interface VerifyFlags {
  pushRegistry?: string;
  hubImage: string;
  pushRepo: string;
  /** A number once commander's parser has read it; text when a caller builds the flags itself. */
  maxClockSkew: number | string;
  username?: string;
  passwordStdin?: boolean;
  passwordFile?: string;
}

export function parseSeconds(value: number | string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw badInput('ERR_BAD_FLAG', `${flag} takes a number of seconds, not "${value}"`);
  return n;
}

/** The real ports and the validated input of the verification suite, from the command line. */
export async function verifySetup(ctx: CommandContext, registryArg: string, flags: VerifyFlags, knownPassword?: string): Promise<{ input: VerifyInput; ports: VerifyPorts }> {
  const registry = parseRegistry(registryArg);
  const pushRegistry = flags.pushRegistry ? parseRegistry(flags.pushRegistry) : registry;
  const maxClockSkewSeconds = parseSeconds(flags.maxClockSkew, '--max-clock-skew');
  const password = knownPassword ?? (await readPassword(flags, ctx.stdin, ctx.env, passwordPrompt(ctx.interactive)));
  const files = nodeFiles();
  const root = ctx.global.root;
  const input: VerifyInput = {
    registry,
    pushRegistry,
    hubImage: flags.hubImage,
    pushRepo: flags.pushRepo,
    maxClockSkewSeconds,
    ...(password !== undefined && flags.username ? { credentials: { username: flags.username, password } } : {}),
    dockerConfigDir: resolveHostPath(root, dockerConfigDir(ctx.env)),
    root,
  };
  return { input, ports: { files, clock: systemClock } };
}

/** The runtimes' parts of the suite: their steps, and what the network steps need of each (trust, insecure rules). */
export async function verifyRuntimes(sessions: readonly RuntimeSession[]): Promise<VerifyRuntime[]> {
  return Promise.all(sessions.map(async (s) => ({ id: s.id, label: s.label, steps: s.verifySteps(), ...((await s.verifyFacts?.()) ?? {}) })));
}

/**
 * `verify`'s runtimes: those running here; when none runs, every one installed, so their steps say
 * why. Another user's rootless dockerd is not verified through: its images and pulls are theirs.
 */
export function verifySessions(detected: readonly RuntimeSession[], choice: readonly string[] = ['auto']): RuntimeSession[] {
  const mine = detected.filter((s) => s.kind !== 'docker' || !othersRootless(s as DockerSession));
  const named = choice.includes('auto') ? mine : mine.filter((s) => choice.some((kind) => sessionAnswers(s, kind)));
  const running = named.filter((s) => s.running);
  return running.length > 0 ? running : [...named];
}
