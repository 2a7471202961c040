import { refused, type RegsetupError } from '../../core/errors.js';
import type { Journal } from '../../core/journal.js';
import type { Files } from '../../host/files.js';
import type { K3sLayout } from './layout.js';
import { k3sRecord } from './record.js';
import { MAX_REGISTRIES_BYTES } from './registries-file.js';
import type { K3sSnapshot } from './snapshot.js';

// The file half of a K3sSnapshot, read the way apply later checks it. registries.yaml is read only
// when it is a plain regular file of a sane size: a symlink would make regsetup edit a file that
// lives (and may be managed) elsewhere, and a device, FIFO or huge file is not a registries.yaml.

const OWN = ['ca.crt', 'client.cert', 'client.key'];

async function guardedRead(files: Files, path: string): Promise<{ text?: string; stat?: K3sSnapshot['registriesStat']; problem?: RegsetupError }> {
  const hint = `Replace it with a plain file (keep a copy of the original), then run the command again; nothing was changed.`;
  const link = await files.readLink(path);
  if (link !== undefined) return { problem: refused('ERR_K3S_REGISTRIES_UNSAFE', `${path} is a symbolic link to ${link}; regsetup does not edit a file through a link`, hint) };
  const stat = await files.stat(path);
  if (stat === undefined) return {};
  if (stat.kind !== 'file') return { problem: refused('ERR_K3S_REGISTRIES_UNSAFE', `${path} is not a regular file but a ${stat.kind === 'directory' ? 'directory' : (stat.special ?? 'special file')}`, hint) };
  if (stat.size > MAX_REGISTRIES_BYTES) {
    return { problem: refused('ERR_K3S_REGISTRIES_UNSAFE', `${path} is ${stat.size} bytes; a registries.yaml is a few kilobytes, so this is not one`, hint) };
  }
  const text = await files.readText(path);
  return text === undefined ? {} : { text, stat: { mode: stat.mode, uid: stat.uid, gid: stat.gid } };
}

/** files: already under --root. hostPorts: the registries the plan touches. */
export async function readK3sFiles(files: Files, layout: K3sLayout, hostPorts: readonly string[], journal: Journal): Promise<Omit<K3sSnapshot, 'agent'>> {
  const records = Object.values(journal.registries).flatMap((e) => {
    const r = e.runtimes[layout.id];
    return r === undefined ? [] : [k3sRecord(r)!];
  });
  const prefix = `${layout.ownDir.replace(/\/+$/, '')}/`;
  const dirs = new Set(hostPorts);
  for (const record of records) for (const f of record.files) if (f.path.startsWith(prefix)) dirs.add(f.path.slice(prefix.length).split('/')[0]!);

  const ownFiles: K3sSnapshot['ownFiles'] = {};
  for (const host of dirs) {
    const found: Record<string, string> = {};
    for (const name of OWN) {
      const filePath = `${prefix}${host}/${name}`;
      if ((await files.readLink(filePath)) !== undefined) {
        found[name] = `(a symbolic link to ${await files.readLink(filePath)})`; // never ours: planOwnedFile refuses to replace it
        continue;
      }
      const text = await files.readText(filePath);
      if (text !== undefined) found[name] = text;
    }
    ownFiles[host] = found;
  }

  const backups: Record<string, string> = {};
  for (const record of records) {
    for (const file of [...record.files, ...record.shared]) {
      if (file.previous === undefined) continue;
      const text = await files.readText(file.previous.backupPath);
      if (text !== undefined) backups[file.previous.backupPath] = text;
    }
  }

  const registries = await guardedRead(files, layout.registriesPath);
  return {
    layout,
    ...(registries.text === undefined ? {} : { registriesText: registries.text }),
    ...(registries.stat ? { registriesStat: registries.stat } : {}),
    ...(registries.problem ? { registriesProblem: registries.problem } : {}),
    ownFiles,
    backups,
  };
}
