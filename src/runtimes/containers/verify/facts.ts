import { readConfigSet } from '../config-set.js';
import { effectiveTables } from '../registries-conf.js';
import type { ContainersSession } from '../session.js';

/** What the suite's network steps need of the containers family: where its CAs are, which registries its files make insecure. */
export async function containersVerifyFacts(session: ContainersSession): Promise<{ certsDirs: string[]; fileInsecure: string[] }> {
  const { layout } = session;
  let fileInsecure: string[] = [];
  try {
    const set = readConfigSet(await session.snapshot([], { version: 2, registries: {} }));
    const all = effectiveTables([...set.before, { path: layout.dropIn, conf: { tables: set.ours.tables, rest: {} } }, ...set.after]);
    fileInsecure = [...all].filter(([prefix, { table }]) => table.insecure === true && !prefix.includes('/') && !prefix.startsWith('*.')).map(([prefix]) => prefix);
  } catch {
    // A file podman cannot read: the podman-config step reports it.
  }
  return { certsDirs: [layout.certsDir], fileInsecure };
}
