import type { DropInModel } from './drop-in.js';
import type { PodmanRegistry } from './podman-cli.js';
import { prefixOf, trimLocation } from './registries-conf.js';

// "The runtime took it", for the containers family: what `podman info` lists as the registries in
// effect must hold every table of regsetup's drop-in that no later file replaces — the same
// parse and merge CRI-O does on SIGHUP and every podman, buildah and skopeo at start.

export interface ExpectedTable {
  prefix: string;
  location: string;
  insecure: boolean;
  mirrors: Array<{ location: string; insecure: boolean }>;
}

export interface Expected {
  tables: ExpectedTable[];
  /** Prefixes regsetup's file no longer has: podman must not show them with regsetup's mirrors. */
  gone: Array<{ prefix: string; mirrors: string[] }>;
}

export function expectedFrom(model: DropInModel, shadowed: ReadonlySet<string>, gone: Expected['gone'] = []): Expected {
  return {
    tables: model.tables
      .filter((t) => !shadowed.has(prefixOf(t)))
      .map((t) => ({
        prefix: prefixOf(t),
        location: trimLocation(t.location ?? ''),
        insecure: t.insecure === true,
        mirrors: (t.mirror ?? []).map((m) => ({ location: trimLocation(m.location ?? ''), insecure: m.insecure === true })),
      })),
    gone,
  };
}

/** What differs between podman's view and the expectation; empty when it took. */
export function mismatches(live: Record<string, PodmanRegistry>, expected: Expected): string[] {
  const problems: string[] = [];
  for (const t of expected.tables) {
    const got = live[t.prefix];
    if (got === undefined) {
      problems.push(`podman has no registry entry for ${t.prefix}`);
      continue;
    }
    if (t.location !== '' && trimLocation(got.Location) !== t.location) problems.push(`${t.prefix} goes to ${got.Location}, expected ${t.location}`);
    if (got.Insecure !== t.insecure) problems.push(`${t.prefix} is ${got.Insecure ? '' : 'not '}insecure, expected ${t.insecure ? '' : 'not '}insecure`);
    const mirrors = (got.Mirrors ?? []).map((m) => `${trimLocation(m.Location)}${m.Insecure ? ' (insecure)' : ''}`);
    const want = t.mirrors.map((m) => `${m.location}${m.insecure ? ' (insecure)' : ''}`);
    if (mirrors.join(' ') !== want.join(' ')) problems.push(`${t.prefix} has mirrors [${mirrors.join(', ')}], expected [${want.join(', ')}]`);
  }
  for (const g of expected.gone) {
    const left = (live[g.prefix]?.Mirrors ?? []).map((m) => trimLocation(m.Location)).filter((m) => g.mirrors.includes(m));
    if (left.length > 0) problems.push(`${g.prefix} still has the mirrors [${left.join(', ')}]`);
  }
  return problems;
}
