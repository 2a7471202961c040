import * as z from 'zod';
import { journalFileSchema, type Journal, type RuntimeRecord } from '../../core/journal.js';
import type { PlannedRecord } from '../../core/plan-types.js';

// What the containers runtime (podman, buildah, skopeo, CRI-O) keeps in the journal for a
// registry: what it merged into regsetup's one drop-in (entries keyed by prefix, and only the
// mirrors and insecure flags this registry asked for), the CA files it owns, and the credHelpers
// entries it put into the containers auth file.

const entrySchema = z.object({
  /** The [[registry]] prefix: the registry itself, or an upstream (docker.io, ghcr.io) it mirrors. */
  prefix: z.string().min(1),
  /** [[registry.mirror]] locations this registry added (host[:port][/path]). */
  mirrors: z.array(z.string()),
  /** true when this registry made the table insecure (--insecure). */
  insecure: z.boolean().optional(),
});

export const containersRecordSchema = z.object({
  /** crio when CRI-O ran at join (it is told with SIGHUP), else podman. */
  kind: z.enum(['podman', 'crio']),
  dropIn: z.string().min(1),
  entries: z.array(entrySchema),
  files: z.array(journalFileSchema),
  authFile: z
    .object({
      path: z.string().min(1),
      /** credHelpers keys (host[:port]) set to regsetup. */
      keys: z.array(z.string()),
      /** regsetup created the file: leave removes it once it holds nothing else. */
      created: z.boolean().optional(),
      /** credHelpers values regsetup replaced, put back on leave. */
      replaced: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
});

export type ContainersRecord = z.infer<typeof containersRecordSchema>;
export type DropInEntry = z.infer<typeof entrySchema>;
export type PlannedContainersRecord = Omit<ContainersRecord, 'files'> & Pick<PlannedRecord, 'files'>;

/** The journal's loose record, read strictly (a record of another shape is a journal problem). */
export function containersRecord(record: RuntimeRecord | undefined): ContainersRecord | undefined {
  if (record === undefined) return undefined;
  const parsed = containersRecordSchema.safeParse(record);
  if (!parsed.success) throw new Error(`the journal's containers record is not one: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** The containers records of every other registry on record for this session: what they claim in the shared files. */
export function otherRecords(journal: Journal | undefined, session: string, registry: string): ContainersRecord[] {
  return Object.values(journal?.registries ?? {})
    .filter((e) => e.registry !== registry && e.runtimes[session] !== undefined)
    .map((e) => containersRecord(e.runtimes[session])!);
}
