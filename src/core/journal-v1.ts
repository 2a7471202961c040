import * as z from 'zod';
import { refused } from './errors.js';

// Journal version 1, as regsetup 0.1 wrote it (Docker only): one flat entry per registry. It
// is read as the equivalent version 2, whose Docker record holds exactly the same facts, so a
// host joined by 0.1 can still be left, checked and re-joined. It is written back as version 2
// by the next command that records something.

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const v1File = z.object({ path: z.string().min(1), sha256, previous: z.object({ backupPath: z.string().min(1), sha256 }).optional() });
const v1Entry = z.object({
  registry: z.string().min(1),
  pushRegistry: z.string().min(1).optional(),
  joinedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime().optional(),
  daemonJsonPath: z.string().min(1),
  added: z.object({ mirrors: z.array(z.string()), insecure: z.array(z.string()) }),
  files: z.array(v1File),
  createdDaemonJson: z.boolean().optional(),
});
const v1Journal = z.object({ version: z.literal(1), registries: z.record(z.string(), v1Entry) });

/** The version-2 form of a version-1 journal (validated as version 1 first). */
export function migrateJournalV1(value: unknown, source: string, hint: string): unknown {
  const parsed = v1Journal.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'journal'}: ${i.message}`);
    throw refused('ERR_JOURNAL_MALFORMED', `${source} is not a regsetup journal (version 1):\n  ${problems.join('\n  ')}`, hint);
  }
  const registries = Object.fromEntries(
    Object.entries(parsed.data.registries).map(([key, e]) => [
      key,
      {
        registry: e.registry,
        ...(e.pushRegistry === undefined ? {} : { pushRegistry: e.pushRegistry }),
        joinedAt: e.joinedAt,
        ...(e.updatedAt === undefined ? {} : { updatedAt: e.updatedAt }),
        runtimes: {
          docker: {
            kind: 'docker',
            daemonJsonPath: e.daemonJsonPath,
            added: { mirrors: e.added.mirrors, insecure: e.added.insecure },
            files: e.files,
            ...(e.createdDaemonJson === undefined ? {} : { createdDaemonJson: e.createdDaemonJson }),
          },
        },
      },
    ]),
  );
  return { version: 2, registries };
}
