import * as z from 'zod';
import { journalFileSchema, type RuntimeRecord } from '../../core/journal.js';
import type { PlannedFile } from '../../core/plan-types.js';

// What the containerd runtime keeps in the journal for a registry. Whole files it installed (CA,
// client pair, a drop-in) are `files`; hosts.toml files are shared (docker.io's serves every
// registry that mirrors Docker Hub), so for each it records the [host."…"] tables it added, with a
// digest of their content, and whether it created the file. Turning config_path on is a node-wide
// change: `configEdit` says how it was done so the last registry to leave can undo it.

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const hostsEntrySchema = z.object({
  /** The hosts.toml path (a host path). */
  path: z.string().min(1),
  /** regsetup wrote the file (with its header): it may go when nothing else is left in it. */
  created: z.boolean(),
  /** The [host."<url>"] tables regsetup added, with the sha256 of their canonical content. */
  hosts: z.array(z.object({ url: z.string().min(1), sha256 })),
});

export const configEditSchema = z.discriminatedUnion('how', [
  z.object({
    /** containerd 1.x replaces a whole plugin section from an import, so config_path went into the file holding the CRI section. */
    how: z.literal('in-place'),
    file: z.string().min(1),
    table: z.array(z.string()),
    /** config_path before (undefined: the key was absent); `tableCreated`: the [registry] table was regsetup's. */
    previous: z.string().optional(),
    tableCreated: z.boolean(),
    value: z.string(),
  }),
  z.object({
    /** containerd 2.x merges imports key by key: a drop-in of regsetup's own plus its `imports` entry. */
    how: z.literal('drop-in'),
    file: z.string().min(1),
    dropIn: z.string().min(1),
    /** The entry added to the main config's `imports`; undefined when an existing glob already covered the drop-in. */
    importAdded: z.string().optional(),
    /** The main config.toml did not exist: regsetup created it for the `imports` line. */
    mainCreated: z.boolean(),
  }),
]);

export const containerdRecordSchema = z.object({
  kind: z.literal('containerd'),
  configFile: z.string().min(1),
  /** The hosts directory root regsetup wrote into (the first of config_path). */
  hostsRoot: z.string().min(1),
  files: z.array(journalFileSchema),
  hostsFiles: z.array(hostsEntrySchema).default([]),
  configEdit: configEditSchema.optional(),
});

export type ContainerdRecord = z.infer<typeof containerdRecordSchema>;
export type HostsEntry = z.infer<typeof hostsEntrySchema>;
export type ConfigEdit = z.infer<typeof configEditSchema>;
export type PlannedContainerdRecord = Omit<ContainerdRecord, 'files'> & { files: PlannedFile[] };

export function containerdRecord(record: RuntimeRecord | undefined): ContainerdRecord | undefined {
  if (record === undefined) return undefined;
  const parsed = containerdRecordSchema.safeParse(record);
  if (!parsed.success) throw new Error(`the journal's containerd record is not one: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
