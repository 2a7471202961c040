import * as z from 'zod';
import { journalFileSchema, type RuntimeRecord } from '../../core/journal.js';
import { hostsEntrySchema } from '../containerd/record.js';
import type { PlannedRecord } from '../../core/plan-types.js';

// What the Docker runtime keeps in the journal for a registry: the daemon.json it edited, the
// entries it added there (entries that were already there are not ours to remove), the files it
// installed in certs.d, and whether it created daemon.json or its lists (leave then removes them
// again). With the containerd image store it may also have merged [host."…"] tables into certs.d
// hosts.toml files (shared files: only those tables are its own, as for containerd).

/** The daemon.json lists regsetup manages. */
export const MANAGED_KEYS = ['registry-mirrors', 'insecure-registries'] as const;

export const dockerRecordSchema = z.object({
  kind: z.literal('docker'),
  daemonJsonPath: z.string().min(1),
  added: z.object({ mirrors: z.array(z.string()), insecure: z.array(z.string()) }),
  files: z.array(journalFileSchema),
  createdDaemonJson: z.boolean().optional(),
  /** Lists that were not in daemon.json before a join added them: leave drops them once empty again. */
  createdKeys: z.array(z.enum(MANAGED_KEYS)).optional(),
  /** Its certs.d, when not /etc/docker/certs.d (rootless, snap): leave finds the files with the daemon stopped. */
  certsDir: z.string().min(1).optional(),
  /** hosts.toml tables merged for the containerd image store. */
  hostsFiles: z.array(hostsEntrySchema).optional(),
});

export type DockerRecord = z.infer<typeof dockerRecordSchema>;
export type PlannedDockerRecord = Omit<DockerRecord, 'files'> & Pick<PlannedRecord, 'files'>;

/** The journal's loose record, read strictly as Docker's (a record of another shape is a journal problem). */
export function dockerRecord(record: RuntimeRecord | undefined): DockerRecord | undefined {
  if (record === undefined) return undefined;
  const parsed = dockerRecordSchema.safeParse(record);
  if (!parsed.success) throw new Error(`the journal's docker record is not one: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}
