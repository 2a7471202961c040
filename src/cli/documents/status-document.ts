import * as z from 'zod';
import type { StatusReport } from '../../converge/status.js';
import { describing, documentOf } from './envelope.js';

const statusShape = {
  registries: z.array(
    z.object({
      registry: z.string(),
      pushRegistry: z.string().optional(),
      joinedAt: z.string().describe('When regsetup first joined it (ISO 8601).'),
      runtimes: z.array(
        z.object({
          runtime: z.string(),
          kind: z.string(),
          label: z.string(),
          running: z.boolean(),
          drift: z.array(z.object({ what: z.string(), path: z.string().optional() })).describe('How its files moved away from what join left; empty: as joined.'),
        }),
      ),
      warnings: z.array(z.string()),
      drifted: z.boolean(),
    }),
  ),
  drifted: z.boolean(),
};
describing<StatusReport>()(z.object(statusShape));

export const statusDocument = documentOf('status', { ok: z.boolean().describe('Nothing drifted; false: exit 3.'), ...statusShape }).meta({
  title: 'regsetup status --json',
  description: 'What regsetup manages on this host, and any drift from it. It changes nothing.',
});
