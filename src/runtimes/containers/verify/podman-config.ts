import type { VerifyState } from '../../../verify/state.js';
import type { Step, StepOutcome } from '../../../verify/types.js';
import { readConfigSet, shadowedPrefixes } from '../config-set.js';
import { expectedFrom, mismatches } from '../confirm.js';
import { NO_PODMAN, type ContainersVerify } from './context.js';

/** What podman uses (`podman info`) against regsetup's drop-in: the comparison confirm makes, on the files as they are now. */
export async function podmanConfigOutcome(d: ContainersVerify): Promise<StepOutcome> {
  if (d.podman === undefined) return { skipped: NO_PODMAN };
  const snapshot = await d.snapshot();
  const set = readConfigSet(snapshot);
  const path = snapshot.layout.dropIn;
  if (set.oursText === undefined) return { detail: `${path} does not exist; podman runs on the other registries files` };
  const problems = mismatches(await d.podman.registries(), expectedFrom(set.ours, shadowedPrefixes(set)));
  if (problems.length === 0) return { detail: `podman uses the ${set.ours.tables.length} entr${set.ours.tables.length === 1 ? 'y' : 'ies'} of ${path}` };
  return {
    failed: {
      id: 'podman-config-not-used',
      seen: `podman does not use what ${path} says: ${problems.join('; ')}`,
      cause: snapshot.userRegistriesConf
        ? `${snapshot.layout.userRegistriesConf} replaces the system registries.conf and all its drop-ins for this user.`
        : `Another registries file replaces regsetup's entries, or podman reads other files than regsetup (CONTAINERS_REGISTRIES_CONF, --registries-conf).`,
      fix: `Run \`podman info --format '{{json .Registries}}'\` and \`regsetup doctor\`; move ${snapshot.userRegistriesConf ? snapshot.layout.userRegistriesConf : 'the entry that replaces regsetup\'s'} away.`,
    },
  };
}

export const podmanConfig = (d: ContainersVerify): Step<VerifyState> => ({
  name: 'podman-config',
  run: () => podmanConfigOutcome(d),
});
