import * as z from 'zod';
import { SCHEMA_VERSION } from './schema-version.js';

// What any command prints under --json when it stops with an error (cli/exit.ts renderError, and
// run-program.ts for a command line commander refused). Built without zod at run time (a usage
// error must not pay for loading it); typed by this schema, and tests validate real ones.

export const errorDocument = z
  .object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    command: z.string().nullable().describe('The command as typed (`join`, `creds migrate`); null when the command line named none regsetup knows.'),
    changed: z.boolean().describe('true when the run had changed something before it failed (a join of the first registry of --config, before the second was refused); a rolled-back change is no change.'),
    ok: z.literal(false),
    error: z.object({
      code: z.string().regex(/^ERR_[A-Z0-9_]+$/).describe('Stable: docs/errors.md lists every code with its exit code, meaning and what to do.'),
      message: z.string(),
      hint: z.string().nullable(),
    }),
  })
  .meta({ title: 'regsetup --json: an error', description: "Any command under --json that stops with an error instead of its report; docs/errors.md gives each code's exit code." });

export type ErrorDocument = z.output<typeof errorDocument>;
