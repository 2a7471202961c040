import { flagsInput, parseDesiredState, type DesiredState, type JoinFlags } from '../../core/desired-state.js';
import { refused } from '../../core/errors.js';
import { during } from '../../core/progress.js';
import { normalizeFingerprint } from '../../core/fingerprint.js';
import { parseRegistry } from '../../core/registry-name.js';
import { fetchProfile } from '../../preflight/profile.js';
import type { CommandContext } from '../context.js';

const list = (v: string[] | string | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Only what was given; commander's own defaults (restart auto, 30 s skew) do not override a profile. */
function given(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined || (key === 'restart' && value === 'auto') || (key === 'maxClockSkewSeconds' && value === 30)) continue;
    if (key === 'ca') {
      const ca = Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined));
      if (Object.keys(ca).length > 0) out.ca = ca;
      continue;
    }
    out[key] = value;
  }
  return out;
}

/**
 * The desired state of `join <registry> --profile URL`: the profile, with every flag the
 * operator gave on top; the pins are both (the profile may announce the next CA of a rotation).
 * Returns the merged entry in its input form too, for `--save`.
 */
export async function profileDesired(ctx: CommandContext, registryArg: string, flags: JoinFlags, url: string): Promise<{ desired: DesiredState; input: Record<string, unknown> }> {
  const pins = list(flags.caFingerprint).map(normalizeFingerprint);
  const profile = await during((label) => ctx.out.progress(label), `fetching the profile from ${url}`, () => fetchProfile(url, pins, flags.caUrl, { now: Date.now, note: (l) => ctx.out.note(l) }));
  const hostPort = parseRegistry(registryArg).hostPort;
  if (parseRegistry(String(profile.registry)).hostPort !== hostPort) {
    throw refused('ERR_PROFILE_REGISTRY', `the profile at ${url} is for ${String(profile.registry)}, not ${hostPort}`, 'Check the profile URL; nothing was changed.');
  }
  const mine = given(flagsInput(registryArg, flags));
  const theirs = (profile.ca ?? {}) as Record<string, unknown>;
  const ca = { ...theirs, ...((mine.ca ?? {}) as Record<string, unknown>), fingerprints: [...new Set([...pins, ...list(theirs.fingerprints as string[] | undefined).map(normalizeFingerprint)])] };
  const merged = { ...profile, ...mine, registry: hostPort, ca };
  return { desired: parseDesiredState(merged, 'profile'), input: merged };
}
