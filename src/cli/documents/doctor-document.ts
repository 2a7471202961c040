import * as z from 'zod';
import type { FixOutcome } from '../../doctor/walk.js';
import { describing, documentOf } from './envelope.js';

const findingSchema = z.object({
  id: z.string().describe('What was found: tls-unknown-authority, daemon-not-reloaded, clock-skew, …'),
  severity: z.enum(['error', 'warning', 'info']),
  registry: z.string().optional(),
  seen: z.string().describe('The raw error or observation.'),
  cause: z.string(),
  fix: z.string().describe('A command to run, or what doctor can do itself.'),
  fixable: z.boolean().describe('doctor can fix it (in a terminal when asked, or with --fix --yes).'),
});

const fixSchema = describing<FixOutcome>()(
  z.object({
    key: z.string(),
    title: z.string(),
    findings: z.array(z.string()).describe('The findings it answers, as id@registry.'),
    status: z.enum(['applied', 'declined', 'failed', 'skipped']),
    detail: z.array(z.string()).describe('What changed, or why it did not.'),
  }),
);

export const doctorDocument = documentOf('doctor', {
  ok: z.boolean().describe('No error is left (warnings do not count); false: exit 3.'),
  findings: z.array(findingSchema),
  fixes: z.array(fixSchema).optional().describe('Present when fixes were offered or applied.'),
  recheck: z.array(findingSchema).optional().describe('The findings after the fixes (present when one was applied).'),
}).meta({ title: 'regsetup doctor --json', description: 'Every finding with its cause and fix; with --fix, what was fixed and the findings after.' });
