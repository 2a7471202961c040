import * as z from 'zod';
import type { VerifyReport } from '../../verify/types.js';
import { describing, documentOf } from './envelope.js';

const stepSchema = z.object({
  name: z.string().describe('reachability, tls, clock, registry-api, push-access, pull-mirror, push, …'),
  runtime: z.string().optional().describe('The runtime session whose daemon ran the step; absent for the network steps.'),
  ok: z.boolean(),
  skipped: z.boolean().optional().describe('Not run: a step it needs failed, or it does not apply here (detail says which).'),
  ms: z.number(),
  detail: z.string().optional(),
  seen: z.string().optional().describe('What was seen, as the daemon or the registry said it.'),
  cause: z.string().optional(),
  fix: z.string().optional(),
  diagnosis: z.string().optional().describe('The id of the diagnosis (docs/errors.md names them in the fixes).'),
});

export const verifyReportShape = {
  ok: z.boolean(),
  registry: z.string(),
  pushRegistry: z.string(),
  steps: z.array(stepSchema),
};

export const verifyReportSchema = describing<VerifyReport>()(z.object(verifyReportShape));

export const verifyDocument = documentOf('verify', verifyReportShape).meta({
  title: 'regsetup verify --json',
  description: 'Each step of the verification (pulls through each runtime, pushes), in order. ok is false when a step failed; exit 3.',
});
