import { dirname, posix } from 'node:path';
import { isRegsetupError } from '../../core/errors.js';
import type { Journal } from '../../core/journal.js';
import type { Files } from '../../host/files.js';
import { containersRecord } from './record.js';
import { MAX_CONFIG_BYTES, type ContainersLayout, type ContainersSnapshot, type ReadFile } from './snapshot.js';

// The file half of a ContainersSnapshot, read the way apply will later check it (readText). The
// session adds what needs processes: whether CRI-O runs.

/** A file as the planner needs it; `write`: regsetup writes it, so a link is reported instead of followed. */
export async function readFile(files: Files, path: string, write: boolean): Promise<ReadFile> {
  // A path regsetup writes must pass the files port's rule (no symlink, a regular file): refused up front.
  if (write) await files.checkWritable(path);
  const stat = await files.stat(path);
  if (stat === undefined) return { state: 'absent' };
  if (stat.isDirectory) return { state: 'not-a-file' };
  if (stat.size > MAX_CONFIG_BYTES) return { state: 'too-large', size: stat.size };
  const text = await files.readText(path);
  return text === undefined ? { state: 'absent' } : { state: 'text', text, mode: stat.mode };
}

/** Every *.conf of a drop-in directory in name order (dropInConfigs: no subdirectories, nothing else). */
async function dropInsOf(files: Files, dir: string, ours: string): Promise<ContainersSnapshot['dropIns']> {
  const out: ContainersSnapshot['dropIns'] = [];
  for (const name of await files.readdir(dir)) {
    if (!name.endsWith('.conf')) continue;
    const path = posix.join(dir, name);
    const file = await readFile(files, path, path === ours);
    // containers/image skips a directory named *.conf; regsetup's own path must be a file it can write.
    if (file.state !== 'not-a-file' || path === ours) out.push({ path, file });
  }
  return out;
}

// containers/image reads every *.crt and *.cert/*.key pair of the directory (tlsclientconfig.SetupCertificates).
const READ = (name: string) => name.endsWith('.crt') || name.endsWith('.cert') || name.endsWith('.key');

async function certsDirFiles(files: Files, dir: string): Promise<Record<string, string> | undefined> {
  const stat = await files.stat(dir);
  if (stat === undefined || !stat.isDirectory) return undefined;
  const found: Record<string, string> = {};
  for (const name of await files.readdir(dir)) {
    if (!READ(name)) continue;
    const text = await files.readText(posix.join(dir, name));
    if (text !== undefined) found[name] = text;
  }
  return found;
}

export interface ReadOptions {
  hostPorts: readonly string[];
  journal: Journal;
  env: NodeJS.ProcessEnv;
}

/** files: already under --root. */
export async function readContainersFiles(files: Files, layout: ContainersLayout, o: ReadOptions): Promise<Omit<ContainersSnapshot, 'crio'>> {
  const records = Object.values(o.journal.registries).flatMap((e) => (e.runtimes[layout.id] === undefined ? [] : [containersRecord(e.runtimes[layout.id])!]));
  // Every certs.d directory the plan may touch: the ones asked for and the ones the journal names.
  const hostPorts = new Set(o.hostPorts);
  for (const record of records) for (const f of record.files) hostPorts.add(posix.basename(dirname(f.path)));
  const certs: ContainersSnapshot['certs'] = {};
  for (const hostPort of hostPorts) {
    const [user, containers, docker] = await Promise.all([layout.userCertsDir, layout.certsDir, layout.dockerCertsDir].map((d) => certsDirFiles(files, posix.join(d, hostPort))));
    certs[hostPort] = { ...(user ? { user } : {}), ...(containers ? { containers } : {}), ...(docker ? { docker } : {}) };
  }
  const backups: Record<string, string> = {};
  for (const file of records.flatMap((r) => r.files)) {
    const text = file.previous === undefined ? undefined : await files.readText(file.previous.backupPath);
    if (text !== undefined && file.previous !== undefined) backups[file.previous.backupPath] = text;
  }
  const runtimeAuth = [];
  // Only looked at, never written: one this user may not even stat (a /run/containers/<uid> that
  // root's podman made 0700) holds nothing of theirs, as podman run by them cannot read it either.
  for (const path of layout.runtimeAuthFiles) {
    const file = await readFile(files, path, false).catch((error: unknown) => (isRegsetupError(error) && error.code === 'ERR_PERMISSION' ? ({ state: 'absent' } as const) : Promise.reject(error)));
    runtimeAuth.push({ path, file });
  }
  return {
    layout,
    registriesConf: await readFile(files, layout.registriesConf, false),
    dropIns: await dropInsOf(files, layout.dropInDir, layout.dropIn),
    userDropIns: await dropInsOf(files, layout.userDropInDir, layout.dropIn),
    userRegistriesConf: (await files.stat(layout.userRegistriesConf)) !== undefined,
    certs,
    authFile: await readFile(files, layout.authFile, true),
    runtimeAuth,
    ...(o.env.REGISTRY_AUTH_FILE ? { registryAuthFileEnv: o.env.REGISTRY_AUTH_FILE } : {}),
    backups,
  };
}
