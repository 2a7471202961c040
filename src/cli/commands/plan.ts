import type { Runner } from '../context.js';
import { run as join } from './join.js';

/** `regsetup plan` is `join --dry-run`: the same preflight and plan, nothing changed. */
export const run: Runner = (ctx, args, opts) => join(ctx, args, { ...opts, dryRun: true });
