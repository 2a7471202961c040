import * as z from 'zod';
import { journalFileSchema, type RuntimeRecord } from '../../core/journal.js';
import type { PlannedFile } from '../../core/plan-types.js';
import { addedSchema } from './added.js';

// What the k3s (or rke2) runtime keeps in the journal for a registry: the registries.yaml it
// merged into and exactly the entries it added there, the files it owns (CA and client pair in
// /etc/rancher/<kind>/regsetup/<host>/), its last write of registries.yaml with the backup of what
// that write replaced (so leave can give the original bytes back), and whether it created the file.

export const k3sRecordSchema = z.object({
  kind: z.enum(['k3s', 'rke2']),
  registriesPath: z.string().min(1),
  added: addedSchema,
  files: z.array(journalFileSchema),
  /** registries.yaml as regsetup last wrote it (sha256), and the backup of what that write replaced. */
  shared: z.array(journalFileSchema).default([]),
  createdRegistries: z.boolean().optional(),
});

export type K3sRecord = z.infer<typeof k3sRecordSchema>;
export type PlannedK3sRecord = Omit<K3sRecord, 'files' | 'shared'> & { files: PlannedFile[]; shared: PlannedFile[] };

/** The journal's loose record, read strictly as this runtime's. */
export function k3sRecord(record: RuntimeRecord | undefined): K3sRecord | undefined {
  if (record === undefined) return undefined;
  const parsed = k3sRecordSchema.safeParse(record);
  if (!parsed.success) throw new Error(`the journal's ${String(record.kind)} record is not one: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}
