import { dirname, posix } from 'node:path';
import type { Journal } from '../../core/journal.js';
import type { Files } from '../../host/files.js';
import { dockerRecord } from './record.js';
import type { DockerSnapshot } from './snapshot.js';

// The file half of a DockerSnapshot, read the way apply will later check it. The session adds
// what needs processes and the Docker API: flagSources and the dockerd facts.

export type DockerFileSnapshot = Pick<DockerSnapshot, 'daemonJsonPath' | 'daemonJsonText' | 'daemonJsonBytes' | 'daemonJsonStat' | 'certsDir' | 'existingCaFiles' | 'backups' | 'hostsToml' | 'certsDirs'>;

export interface ReadDockerFilesOptions {
  daemonJsonPath: string;
  certsDir: string;
  /** certs.d directories to read (the registry and push registry of a join). */
  hostPorts?: readonly string[];
  journal: Journal;
  /** The session whose journal records name more directories and backups to read. */
  runtime: string;
}

/** containerd's name for a host:port directory ("host_port_"), which it tries before "host:port". */
export const underscoreDir = (hostPort: string): string => {
  const colon = hostPort.lastIndexOf(':');
  return colon > 0 && !hostPort.endsWith(']') ? `${hostPort.slice(0, colon)}_${hostPort.slice(colon + 1)}_` : hostPort;
};

// Docker reads *.crt, *.cert and *.key; regsetup reads the CAs and its own client pair, never another key.
const READ = (name: string) => name.endsWith('.crt') || name === 'client.cert' || name === 'client.key';

/** files: already under --root. */
export async function readDockerFiles(files: Files, o: ReadDockerFilesOptions): Promise<DockerFileSnapshot> {
  const records = Object.values(o.journal.registries).flatMap((e) => {
    const r = e.runtimes[o.runtime];
    return r === undefined ? [] : [dockerRecord(r)!];
  });
  // Every directory the plan may touch: the ones asked for and the ones the journal names.
  const prefix = `${o.certsDir.replace(/\/+$/, '')}/`;
  const dirs = new Set(o.hostPorts ?? []);
  for (const record of records) for (const f of record.files) if (f.path.startsWith(prefix)) dirs.add(posix.basename(dirname(f.path)));

  const existingCaFiles: DockerSnapshot['existingCaFiles'] = {};
  for (const hostPort of dirs) {
    const found: Record<string, string> = {};
    for (const name of await files.readdir(`${prefix}${hostPort}`)) {
      if (!READ(name)) continue;
      const text = await files.readText(`${prefix}${hostPort}/${name}`);
      if (text !== undefined) found[name] = text;
    }
    existingCaFiles[hostPort] = found;
  }

  const backups: Record<string, string> = {};
  for (const record of records) {
    for (const file of record.files) {
      const text = file.previous === undefined ? undefined : await files.readText(file.previous.backupPath);
      if (text !== undefined && file.previous !== undefined) backups[file.previous.backupPath] = text;
    }
  }

  // hosts.toml of the containerd image store: for each host the plan touches (host:port and the
  // host_port_ form containerd tries first), Docker Hub's, and those the journal names.
  const certsDirs = await files.readdir(o.certsDir);
  const tomlDirs = new Set([...(o.hostPorts ?? []).flatMap((h) => [h, underscoreDir(h)]), 'docker.io', '_default']);
  const tomlPaths = new Set([...[...tomlDirs].map((d) => `${prefix}${d}/hosts.toml`), ...records.flatMap((r) => (r.hostsFiles ?? []).map((h) => h.path))]);
  const hostsToml: Record<string, string> = {};
  for (const path of tomlPaths) {
    const text = await files.readText(path);
    if (text !== undefined) hostsToml[path] = text;
  }

  const daemonJsonBytes = await files.readBytes(o.daemonJsonPath);
  const daemonJsonText = daemonJsonBytes?.toString('utf8');
  const stat = daemonJsonText === undefined ? undefined : await files.stat(o.daemonJsonPath);
  return {
    daemonJsonPath: o.daemonJsonPath,
    ...(daemonJsonText === undefined ? {} : { daemonJsonText, daemonJsonBytes: daemonJsonBytes! }),
    ...(stat === undefined ? {} : { daemonJsonStat: { mode: stat.mode, uid: stat.uid, gid: stat.gid } }),
    certsDir: o.certsDir,
    existingCaFiles,
    backups,
    hostsToml,
    certsDirs,
  };
}
