import * as z from 'zod';
import { documentOf } from './envelope.js';
import { appliedShape, planSchema } from './plan-document.js';
import { verifyReportSchema } from './verify-document.js';

/** Which CA was taken and which pin matched it (preflight/ca.ts caDecisionJson); null without a CA. */
const caSchema = z
  .object({
    source: z.enum(['file', 'url', 'handshake', 'system', 'insecure']).describe('Where the CA came from.'),
    subject: z.string().nullable(),
    fingerprint: z.string().nullable().describe('SHA-256 of the certificate, sha256:… form.'),
    pin: z.string().nullable().describe('The --ca-fingerprint that matched, null when none was given or needed.'),
    pinForm: z.enum(['certificate', 'public-key']).nullable().describe("certificate: SHA-256 of the DER certificate; public-key: of its SPKI (kubeadm's form)."),
  })
  .nullable();

const clockSkewSeconds = z.number().nullable().describe("The registry's clock minus this host's, in seconds; null when it sent no Date header.");

/** One registry's join, applied (what `join --json` prints, and each entry of `join --config`). */
const joinedShape = {
  ok: z.boolean().describe('false when verification failed (exit 3): the change stays.'),
  registry: z.string(),
  changed: z.boolean().describe('A file, a stored credential or a runtime of this registry changed.'),
  ...appliedShape,
  clockSkewSeconds,
  ca: caSchema,
  warnings: z.array(z.string()),
  verify: verifyReportSchema.nullable().describe('null with --no-verify.'),
};

/** `join --dry-run` / `plan`: the plan, nothing changed. */
const plannedShape = {
  ok: z.literal(true),
  registry: z.string(),
  dryRun: z.literal(true),
  changed: z.literal(false).describe('A dry run changes nothing.'),
  clockSkewSeconds,
  ca: caSchema.optional(),
  plan: planSchema,
};

const joinedSchema = z.object(joinedShape);
const plannedSchema = z.object(plannedShape);

/** One registry's part of `join --json`: the whole document of `join <registry>`, one entry of `join --config`'s. */
export type JoinedRegistry = z.input<typeof joinedSchema> | z.input<typeof plannedSchema>;

export const joinDocument = z
  .union([
    documentOf('join', joinedShape),
    documentOf('join', plannedShape),
    documentOf('join', {
      ok: z.boolean(),
      config: z.string().describe('`join --config FILE`: the desired-state file.'),
      registries: z.array(z.union([joinedSchema, plannedSchema])).describe('One entry per registry, in the order of the file; the first failure stops the run.'),
    }),
  ])
  .meta({
    title: 'regsetup join --json',
    description: 'A join of one registry (applied, or planned with --dry-run), or of every registry of a desired-state file (--config).',
  });

export const planDocument = documentOf('plan', plannedShape).meta({
  title: 'regsetup plan --json',
  description: 'What join would change: the same preflight and plan, nothing changed.',
});

export const leaveDocument = z
  .union([
    documentOf('leave', { ok: z.literal(true), registry: z.string(), ...appliedShape }),
    documentOf('leave', { ok: z.literal(true), registry: z.string(), dryRun: z.literal(true), plan: planSchema }),
  ])
  .meta({ title: 'regsetup leave --json', description: 'What leave undid (or, with --dry-run, would undo).' });
