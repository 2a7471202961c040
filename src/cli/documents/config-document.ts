import * as z from 'zod';
import { profileShape } from '../../core/desired-state.js';
import type { AgentSettings } from '../../core/desired-file.js';
import { describing, documentOf, envelopeShape } from './envelope.js';

/** The agent's settings as validated: durations in milliseconds, defaults filled in. */
const agentSettingsSchema = describing<AgentSettings>()(
  z.object({
    interval: z.number().describe('ms'),
    mode: z.enum(['repair', 'report']),
    listen: z.string().optional(),
    socket: z.string(),
    debounce: z.number().describe('ms'),
    backoff: z.object({ initial: z.number().describe('ms'), max: z.number().describe('ms') }),
    caExpiryWarning: z.number().describe('ms'),
    dockerConfig: z.string().optional(),
  }),
);

export const configValidateDocument = z
  .union([
    documentOf('config validate', {
      ok: z.literal(true),
      file: z.string(),
      registries: z.array(z.string()).describe('The registries it lists, as host[:port].'),
      agent: agentSettingsSchema,
    }),
    documentOf('config validate', {
      ok: z.literal(false).describe('The file is invalid: exit 2.'),
      file: z.string(),
      problems: z.array(
        z.object({
          line: z.number().int(),
          column: z.number().int(),
          path: z.string().describe("Dotted field path, e.g. registries.0.ca.fingerprints.1 ('' for the document)."),
          message: z.string(),
        }),
      ),
    }),
  ])
  .meta({ title: 'regsetup config validate --json', description: 'The desired-state file: valid, or each problem with its line and column. It changes nothing.' });

/**
 * `profile --json`: the envelope, then the profile as it is published (`join --profile` takes
 * this document as it is; it drops the envelope). Printed as built, so the schema is its input form.
 */
export const profileDocument = z
  .strictObject({ ...envelopeShape('profile'), ...profileShape })
  .meta({ title: 'regsetup profile --json', description: 'The profile a registry team publishes for `join --profile`. It changes nothing.' });
