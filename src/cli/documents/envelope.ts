import * as z from 'zod';
import { SCHEMA_VERSION } from './schema-version.js';

// What every `--json` document starts with, whatever the command: which format it is in, which
// command wrote it, and whether that run changed the host (Ansible's `changed_when`).

export const envelopeShape = <C extends string>(command: C) => ({
  schemaVersion: z.literal(SCHEMA_VERSION).describe('The format of this document; it goes up only when a field is removed or changes meaning.'),
  command: z.literal(command).describe('The command that printed it, as typed: `join`, `creds migrate`, `agent status`.'),
  changed: z.boolean().describe("true when this run changed a file, a stored credential or a daemon's state (a reload, a restart, a service started); false for a run that only looked."),
});

/** A command's document: the envelope, then what the command reports. */
export const documentOf = <C extends string, S extends z.core.$ZodLooseShape>(command: C, shape: S) => z.object({ ...envelopeShape(command), ...shape });

// Identical, not only assignable: an optional field one of them lacks counts, at any depth.
type Same<A, B> = (<G>() => G extends A ? 1 : 2) extends <G>() => G extends B ? 1 : 2 ? true : false;

/**
 * A schema for a type the code already has (VerifyReport, StatusReport, …), which must stay that
 * type: a field added to one and not the other fails to compile (the argument becomes `never`).
 */
export const describing =
  <T>() =>
  <S extends z.ZodType>(schema: S & (Same<T, z.output<S>> extends true ? unknown : never)): S =>
    schema;
