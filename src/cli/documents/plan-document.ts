import * as z from 'zod';

// The plan as `plan --json`, `join --dry-run --json` and `leave --dry-run --json` print it
// (core/plan-render.ts planToJson), and what `join` and `leave` report once it ran (apply's report).

export const activationSchema = z.enum(['none', 'reload', 'restart']).describe('How the runtime learns of the change.');

const actionSchema = z.object({
  runtime: z.string().describe('The runtime session the file belongs to: docker, docker-rootless:1000, containerd, containers, k3s…'),
  kind: z.enum(['write-file', 'remove-file']),
  path: z.string().describe('A host path.'),
  reason: z.string(),
  change: z.enum(['created', 'modified', 'removed']),
  mode: z.string().regex(/^0[0-7]{3}$/).optional().describe('The file mode it is written with (write-file only).'),
  diff: z.string().describe('A unified diff; a file holding a secret shows a masked rendering, or none.'),
});

export const planSchema = z.object({
  operation: z.enum(['join', 'leave']),
  registry: z.string(),
  upToDate: z.boolean().describe('Nothing to write and nobody to reload or restart.'),
  runtimes: z.array(
    z.object({
      runtime: z.string(),
      kind: z.string(),
      label: z.string().describe('How a person calls it: "dockerd", "containerd (CRI)".'),
      activation: activationSchema,
      actions: z.array(actionSchema),
      unchanged: z.array(z.string()).describe('Files looked at and already as desired.'),
      warnings: z.array(z.string()),
      cleanup: z.array(z.object({ path: z.string(), reason: z.string() })).optional().describe('Files removed once the runtime has confirmed the change.'),
    }),
  ),
  actions: z.array(actionSchema).describe('Every runtime\'s actions, in the order apply runs them.'),
  unchanged: z.array(z.string()),
  warnings: z.array(z.string()),
  journal: z
    .object({ op: z.enum(['record', 'forget']) })
    .catchall(z.unknown())
    .optional()
    .describe("What regsetup's journal records (its own bookkeeping; its inside may change within a schemaVersion)."),
});

const fileChangeSchema = z.object({
  path: z.string(),
  change: z.enum(['created', 'modified', 'unchanged', 'removed']),
  runtime: z.string(),
});

/** apply's report, per file and per runtime (cli/commands/io.ts appliedJson). */
export const appliedShape = {
  changes: z.array(fileChangeSchema).describe('Every file the plan looked at, and what became of it.'),
  runtimes: z.array(
    z.object({
      runtime: z.string(),
      label: z.string(),
      activation: activationSchema,
      activated: z.boolean().describe('The runtime was reloaded or restarted, and confirmed it took the change.'),
      done: z.enum(['none', 'reloaded', 'restarted']).describe('What was done to the runtime, in the words a run prints.'),
      changes: z.array(fileChangeSchema),
    }),
  ),
};
