import { badInput } from '../../core/errors.js';
import { parseRegistry } from '../../core/registry-name.js';
import { systemClock } from '../../host/clock.js';
import { dockerConfigDir } from '../../host/credential-lookup.js';
import { dockerApi } from '../../host/docker-api.js';
import { findDockerd } from '../../host/dockerd.js';
import { nodeFiles } from '../../host/files.js';
import { resolveHostPath } from '../../host/host-path.js';
import { readPassword } from '../../host/secret-input.js';
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
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(flags.pushRepo)) {
    throw badInput('ERR_BAD_FLAG', `--push-repo "${flags.pushRepo}" is not a repository name`, 'Use lowercase path components, e.g. regsetup/verify.');
  }
  const password = knownPassword ?? (await readPassword(flags, ctx.stdin, ctx.env, passwordPrompt(ctx.interactive)));
  const files = nodeFiles();
  const root = ctx.global.root;
  const dockerd = await findDockerd({ files, root }).catch(() => undefined);
  const input: VerifyInput = {
    registry,
    pushRegistry,
    hubImage: flags.hubImage,
    pushRepo: flags.pushRepo,
    maxClockSkewSeconds,
    ...(password !== undefined && flags.username ? { credentials: { username: flags.username, password } } : {}),
    dockerConfigDir: resolveHostPath(root, dockerConfigDir(ctx.env)),
    root,
    daemonJsonPath: resolveHostPath(root, dockerd?.configFile ?? '/etc/docker/daemon.json'),
  };
  return { input, ports: { files, docker: dockerApi({ dockerHost: ctx.global.dockerHost }), clock: systemClock } };
}
