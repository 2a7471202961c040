import { commandNeeds } from '../core/access-needs.js';
import { refused } from '../core/errors.js';
import { checkAccess, currentIdentity } from '../host/access-check.js';
import { operatorLayout } from '../host/operator-layout.js';
import type { CommandContext } from './context.js';

/**
 * Before a command's code loads: can this user touch what the command needs? Every path that
 * is not accessible is named, with what stands in the way, in one refusal (exit 4) — instead of
 * an EACCES halfway, or "is the docker daemon running?" for a socket this user may not open.
 */
export async function permissionPreflight(path: readonly string[], ctx: CommandContext, opts: Record<string, unknown>): Promise<void> {
  const needsOf = commandNeeds[path.join(' ')];
  if (!needsOf) return;
  const { uid } = currentIdentity();
  const layout = await operatorLayout({ uid, env: ctx.env, dockerHost: ctx.global.dockerHost, root: ctx.global.root });
  const problems = await checkAccess(needsOf(layout, opts), ctx.global.root);
  if (problems.length === 0) return;
  const lines = problems.map((p) => `${p.path}: ${p.reason} — ${p.need.why}`);
  const hint =
    uid === 0
      ? 'regsetup runs as root and is still refused: look for a read-only mount, or a container without the host paths. Nothing was changed.'
      : `regsetup runs as uid ${uid}: run it as root (sudo regsetup ${path.join(' ')} …), or as the user who owns these paths (a rootless dockerd's user). Nothing was changed.`;
  throw refused('ERR_PERMISSION', `regsetup ${path.join(' ')} cannot reach what it needs (${layout.name}):\n  ${lines.join('\n  ')}`, hint);
}
