import { commandNeeds, rootfulDocker, rootlessDocker, type HostLayout } from '../core/access-needs.js';
import { refused } from '../core/errors.js';
import { checkAccess, currentIdentity, socketOwnedBy } from '../host/access-check.js';
import { parseDockerHost } from '../host/docker-connection.js';
import type { CommandContext } from './context.js';

/** The layout of the runtime this user drives: a Docker socket of his own means a rootless dockerd. */
async function layoutFor(ctx: CommandContext, uid: number): Promise<HostLayout> {
  const socket = parseDockerHost(ctx.global.dockerHost).options.socketPath;
  if (await socketOwnedBy(socket, uid)) {
    const configHome = ctx.env.XDG_CONFIG_HOME || `${ctx.env.HOME ?? ''}/.config`;
    return rootlessDocker(configHome, socket);
  }
  return rootfulDocker(socket);
}

/**
 * Before a command's code loads: can this user touch what the command needs? Every path that
 * is not accessible is named, with what stands in the way, in one refusal (exit 4) — instead of
 * an EACCES halfway, or "is the docker daemon running?" for a socket this user may not open.
 */
export async function permissionPreflight(path: readonly string[], ctx: CommandContext, opts: Record<string, unknown>): Promise<void> {
  const needsOf = commandNeeds[path.join(' ')];
  if (!needsOf) return;
  const { uid } = currentIdentity();
  const layout = await layoutFor(ctx, uid);
  const problems = await checkAccess(needsOf(layout, opts), ctx.global.root);
  if (problems.length === 0) return;
  const lines = problems.map((p) => `${p.path}: ${p.reason} — ${p.need.why}`);
  const hint =
    uid === 0
      ? 'regsetup runs as root and is still refused: look for a read-only mount, or a container without the host paths. Nothing was changed.'
      : `regsetup runs as uid ${uid}: run it as root (sudo regsetup ${path.join(' ')} …), or as the user who owns these paths (a rootless dockerd's user). Nothing was changed.`;
  throw refused('ERR_PERMISSION', `regsetup ${path.join(' ')} cannot reach what it needs (${layout.name}):\n  ${lines.join('\n  ')}`, hint);
}
