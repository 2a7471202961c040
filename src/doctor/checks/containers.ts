import { isRegsetupError } from '../../core/errors.js';
import { journalPath, parseJournal, type Journal } from '../../core/journal.js';
import type { Files } from '../../host/files.js';
import { homeDir } from '../../host/user.js';
import { shadowWarnings, type ConfigSet } from '../../runtimes/containers/config-set.js';
import { CONTAINERS_SESSION_ID } from '../../runtimes/containers/index.js';
import { readContainersFiles } from '../../runtimes/containers/read-snapshot.js';
import { containersRecord } from '../../runtimes/containers/record.js';
import { parseRegistriesConf, prefixOf } from '../../runtimes/containers/registries-conf.js';
import { containersLayout, type ContainersSnapshot } from '../../runtimes/containers/snapshot.js';
import type { Check, DoctorState } from '../ports.js';
import type { Finding } from '../types.js';

const finding = (f: Omit<Finding, 'check' | 'fixable'>): Finding => ({ fixable: false, check: 'containers', ...f });

async function journalOf(files: Files, stateDir: string): Promise<Journal> {
  try {
    return parseJournal(await files.readText(journalPath(stateDir)));
  } catch {
    return { version: 2, registries: {} }; // the journal's own check reports it
  }
}

/** Every registries file, each parsed on its own: one broken file is one finding, the others still count. */
function parseEach(snapshot: ContainersSnapshot, found: Finding[]): ConfigSet {
  const { layout } = snapshot;
  const set: ConfigSet = { ours: { tables: [], rest: {} }, before: [], after: [] };
  const files = [{ path: layout.registriesConf, file: snapshot.registriesConf, dropIn: false }, ...snapshot.dropIns.map((d) => ({ ...d, dropIn: true })), ...snapshot.userDropIns.map((d) => ({ ...d, dropIn: true, user: true }))];
  for (const { path, file, dropIn, ...rest } of files) {
    if (file.state === 'absent') continue;
    if (file.state !== 'text') {
      found.push(finding({ id: 'registries-conf-invalid', severity: 'error', seen: `${path}: ${file.state}`, cause: `${path} cannot be read as a registries file.`, fix: `Make ${path} a regular text file, or remove it.` }));
      continue;
    }
    try {
      const conf = parseRegistriesConf(file.text, path, { ours: path === layout.dropIn, dropIn });
      if (path === layout.registriesConf) set.main = conf;
      if (path === layout.dropIn) set.ours = { tables: conf.tables, rest: conf.rest };
      else if (!dropIn || (!('user' in rest) && path < layout.dropIn)) set.before.push({ path, conf });
      else set.after.push({ path, conf });
    } catch (error) {
      if (!isRegsetupError(error)) throw error;
      found.push(
        finding({
          id: 'registries-conf-invalid',
          severity: 'error',
          seen: error.message,
          cause: `containers/image refuses ${path}: podman, buildah, skopeo and CRI-O fail every pull while it is there.`,
          fix: `Fix ${path} at the place named (containers-registries.conf(5), version 2), or move it away; check with \`podman info\`.`,
        }),
      );
    }
  }
  return set;
}

/**
 * The containers family's files (podman, buildah, skopeo, CRI-O): every registries file parses as
 * containers/image parses it, registries.conf is version 2, no user file masks the system drop-ins,
 * no later drop-in replaces regsetup's entries, and each registry has its CA where podman looks.
 */
export function containersCheckFor(env: NodeJS.ProcessEnv, uid: number): Check {
  return {
    name: 'containers',
    async run(s: DoctorState): Promise<Finding[]> {
      const files = s.ports.files;
      const layout = containersLayout(env, uid, homeDir(env), { id: CONTAINERS_SESSION_ID, label: 'podman' });
      if (!(await files.exists('/etc/containers')) && !(await files.exists(layout.userRegistriesConf))) return [];
      const journal = await journalOf(files, s.ports.stateDir);
      const hostPorts = [...new Set(s.targets.flatMap((t) => [t.registry.hostPort, t.pushRegistry.hostPort]))];
      const snapshot = { ...(await readContainersFiles(files, layout, { hostPorts, journal, env })), crio: { running: false } };
      const found: Finding[] = [];
      const set = parseEach(snapshot, found);
      if (set.main?.v1) {
        found.push(finding({
          id: 'registries-conf-v1',
          severity: 'warning',
          seen: `${layout.registriesConf}${set.main.v1.line ? ` line ${set.main.v1.line}` : ''}: version 1 ([registries.search] …)`,
          cause: 'podman 4 still converts a version 1 registries.conf and reads the drop-ins over it, but newer containers/image releases drop version 1, and one file mixing both formats fails every podman command.',
          fix: `Rewrite ${layout.registriesConf} in version 2: unqualified-search-registries = [...], and a [[registry]] table (location, insecure, blocked) per entry of [registries.insecure] / [registries.block].`,
        }));
      }
      const prefixes = set.ours.tables.map(prefixOf);
      for (const warning of shadowWarnings(snapshot, set, prefixes)) {
        const masked = warning.includes(layout.userRegistriesConf);
        found.push(finding({
          id: masked ? 'registries-conf-user-masks' : 'registries-conf-shadowed',
          severity: 'warning',
          seen: warning,
          cause: masked ? 'containers/image reads a user registries.conf instead of the system file and every system drop-in.' : `Another registries file wins over regsetup's ${layout.dropIn} for some of its entries.`,
          fix: masked ? `Move ${layout.userRegistriesConf} away (or copy regsetup's entries into it).` : 'Remove the competing entry, then `podman info --format \'{{json .Registries}}\'` shows regsetup\'s.',
        }));
      }
      found.push(...caFindings(snapshot, journal, hostPorts));
      return found;
    },
  };
}

function caFindings(snapshot: ContainersSnapshot, journal: Journal, hostPorts: string[]): Finding[] {
  const { layout } = snapshot;
  const found: Finding[] = [];
  for (const hostPort of hostPorts) {
    const dirs = snapshot.certs[hostPort] ?? {};
    const crt = (dir: Record<string, string> | undefined) => Object.keys(dir ?? {}).filter((n) => n.endsWith('.crt'));
    const record = journal.registries[hostPort]?.runtimes[CONTAINERS_SESSION_ID];
    const installed = record === undefined ? [] : containersRecord(record)!.files.filter((f) => f.path.startsWith(`${layout.certsDir}/${hostPort}/`) && f.path.endsWith('.crt'));
    const base = { registry: hostPort, severity: 'error' as const };
    if (dirs.containers !== undefined && crt(dirs.containers).length === 0 && crt(dirs.docker).length > 0) {
      found.push(finding({
        ...base,
        id: 'containers-ca-hidden',
        seen: `${layout.certsDir}/${hostPort} exists without a CA; ${layout.dockerCertsDir}/${hostPort} has ${crt(dirs.docker).join(', ')}`,
        cause: `containers/image reads only the first existing certs.d directory: ${layout.certsDir}/${hostPort} hides Docker's CA from podman, buildah, skopeo and CRI-O.`,
        fix: `Copy the CA: \`cp ${layout.dockerCertsDir}/${hostPort}/*.crt ${layout.certsDir}/${hostPort}/\` (or remove the empty directory), or run \`regsetup join ${hostPort}\`.`,
      }));
    }
    for (const file of installed) {
      const name = file.path.slice(file.path.lastIndexOf('/') + 1);
      if (dirs.containers?.[name] !== undefined) continue;
      found.push(finding({
        ...base,
        id: 'containers-ca-missing',
        seen: `${file.path} (installed by regsetup join) is missing`,
        cause: `podman, buildah, skopeo and CRI-O no longer trust ${hostPort}'s CA: pulls fail with "x509: certificate signed by unknown authority".`,
        fix: `Run \`regsetup join ${hostPort}\` again to put it back (\`regsetup status\` lists what else moved).`,
      }));
    }
  }
  return found;
}

/** For doctor's list (src/doctor/run.ts): the files of the user running doctor (root on a node). */
export const containersCheck: Check = containersCheckFor(process.env, process.getuid?.() ?? 0);
