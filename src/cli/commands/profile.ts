import { savedEntry } from '../../core/desired-file-edit.js';
import { desiredFromFlags, flagsInput, profileSchema, type JoinFlags, type ProfileInput } from '../../core/desired-state.js';
import { ExitCode } from '../../core/errors.js';
import type { Runner } from '../context.js';
import { emit } from '../documents/documents.js';

/**
 * `regsetup profile <registry> [join flags]`: the profile a registry team publishes for its nodes
 * (`join <registry> --profile URL --ca-fingerprint …`), from the flags of the join they would run.
 * Credentials are each node's own and never part of it.
 */
export const run: Runner = async (ctx, [registryArg], opts) => {
  const flags = opts as unknown as JoinFlags;
  const { username: _u, passwordFile: _p, ...rest } = flags; // eslint-disable-line @typescript-eslint/no-unused-vars
  const desired = desiredFromFlags(registryArg!, rest);
  // Printed as written (the input form), once the schema has accepted it.
  const profile = savedEntry(flagsInput(registryArg!, rest), desired) as ProfileInput;
  profileSchema.parse(profile);
  if (ctx.out.json) await emit(ctx.out, 'profile', profile);
  else ctx.out.report(JSON.stringify(profile, null, 2));
  return ExitCode.ok;
};
