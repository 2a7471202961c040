import { dirname, posix } from 'node:path';
import type { HostSnapshot } from '../core/host-snapshot.js';
import { journalPath, parseJournal } from '../core/journal.js';
import type { Files } from '../host/files.js';
import { rooted } from '../host/host-path.js';

// The file half of a HostSnapshot, read the way apply will later check it. The caller
// adds what needs processes and the Docker API: flagSources and the dockerd facts.

export type FileSnapshot = Pick<
  HostSnapshot,
  'daemonJsonPath' | 'daemonJsonText' | 'daemonJsonStat' | 'certsDir' | 'existingCaFiles' | 'journal' | 'backups'
>;

export interface ReadSnapshotOptions {
  root?: string;
  /** Host paths. */
  stateDir: string;
  daemonJsonPath: string;
  certsDir: string;
  /** certs.d directories to read (the registry and push registry of a join). */
  hostPorts?: readonly string[];
}

export async function readFileSnapshot(hostFiles: Files, options: ReadSnapshotOptions): Promise<FileSnapshot> {
  const files = rooted(hostFiles, options.root);
  const { daemonJsonPath, certsDir, stateDir } = options;
  const journalFile = journalPath(stateDir);
  const journal = parseJournal(await files.readText(journalFile), journalFile);

  // Every directory the plan may touch: the ones asked for and the ones the journal names.
  const prefix = `${certsDir.replace(/\/+$/, '')}/`;
  const journaled = Object.values(journal.registries).flatMap((entry) => entry.files.map((f) => f.path));
  const dirs = new Set(options.hostPorts ?? []);
  for (const path of journaled) if (path.startsWith(prefix)) dirs.add(posix.basename(dirname(path)));

  const existingCaFiles: HostSnapshot['existingCaFiles'] = {};
  for (const hostPort of dirs) {
    const found: Record<string, string> = {};
    for (const name of await files.readdir(`${prefix}${hostPort}`)) {
      // Docker reads *.crt, *.cert and *.key; keys are not ours to read.
      if (!name.endsWith('.crt')) continue;
      const text = await files.readText(`${prefix}${hostPort}/${name}`);
      if (text !== undefined) found[name] = text;
    }
    existingCaFiles[hostPort] = found;
  }

  const backups: Record<string, string> = {};
  for (const entry of Object.values(journal.registries)) {
    for (const file of entry.files) {
      const text = file.previous === undefined ? undefined : await files.readText(file.previous.backupPath);
      if (text !== undefined && file.previous !== undefined) backups[file.previous.backupPath] = text;
    }
  }

  const daemonJsonText = await files.readText(daemonJsonPath);
  const stat = daemonJsonText === undefined ? undefined : await files.stat(daemonJsonPath);
  return {
    daemonJsonPath,
    ...(daemonJsonText === undefined ? {} : { daemonJsonText }),
    ...(stat === undefined ? {} : { daemonJsonStat: { mode: stat.mode, uid: stat.uid, gid: stat.gid } }),
    certsDir,
    existingCaFiles,
    journal,
    backups,
  };
}
