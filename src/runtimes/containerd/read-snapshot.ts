import { dirname } from 'node:path';
import type { Journal } from '../../core/journal.js';
import { parseToml } from '../../core/toml-text.js';
import type { Files } from '../../host/files.js';
import { DEFAULT_HOSTS_ROOT, importCovers } from './config.js';
import { DROP_IN } from './config-edit.js';
import { providerPaths } from './kubelet.js';
import { containerdRecord } from './record.js';
import type { ContainerdSnapshot, TextFile } from './snapshot.js';

// The file half of a containerd snapshot, read through the files port (already under --root).

export interface ReadOptions {
  configFile: string;
  journal: Journal;
  runtime: string;
  /** Read the kubelet provider's files too (a join with --kubelet-credential-provider, a leave, status). */
  provider: boolean;
  kubelet?: ContainerdSnapshot['kubelet'];
}

const text = async (files: Files, path: string): Promise<TextFile> => {
  const t = await files.readText(path);
  return t === undefined ? { path } : { path, text: t };
};

/** `imports` of a file, globs expanded (containerd: filepath.Glob of the last component), recursively, each file once. */
async function readImports(files: Files, main: TextFile): Promise<TextFile[]> {
  const out: TextFile[] = [];
  const seen = new Set([main.path]);
  const queue = [main];
  while (queue.length > 0) {
    const file = queue.shift()!;
    let imports: unknown;
    try {
      imports = file.text === undefined ? [] : parseToml(file.text, file.path).imports;
    } catch {
      continue; // the planner refuses the malformed file with its line
    }
    for (const pattern of Array.isArray(imports) ? imports.filter((i): i is string => typeof i === 'string') : []) {
      const base = dirname(file.path);
      const absolute = pattern.startsWith('/') ? pattern : `${base}/${pattern}`;
      const dir = dirname(absolute);
      const names = /[*?[]/.test(absolute) ? (await files.readdir(dir)).map((n) => `${dir}/${n}`).filter((p) => importCovers(absolute, '/', p)).sort() : [absolute];
      for (const path of names) {
        if (seen.has(path)) continue;
        seen.add(path);
        const f = await text(files, path);
        if (f.text === undefined) continue;
        out.push(f);
        queue.push(f);
      }
    }
  }
  return out;
}

// What regsetup reads of a host directory: hosts.toml, its own CA and client files (never another key).
const OURS = (name: string) => name === 'hosts.toml' || name === 'ca.crt' || /^ca-[0-9a-f]{12}\.crt$/.test(name) || name === 'client.cert' || name === 'client.key';

export async function readContainerdFiles(files: Files, o: ReadOptions): Promise<Pick<ContainerdSnapshot, 'config' | 'imports' | 'hostsFiles' | 'hostDirs' | 'backups' | 'provider'>> {
  const config = await text(files, o.configFile);
  const imports = await readImports(files, config);
  const records = Object.values(o.journal.registries).flatMap((e) => (e.runtimes[o.runtime] ? [containerdRecord(e.runtimes[o.runtime])!] : []));
  // Every root config_path may name, and the ones earlier joins wrote into.
  const roots = new Set([DEFAULT_HOSTS_ROOT, '/etc/docker/certs.d', ...records.map((r) => r.hostsRoot)]);
  for (const f of [config, ...imports]) {
    const m = f.text?.match(/config_path\s*=\s*"([^"]*)"/g) ?? [];
    for (const line of m) for (const root of /"([^"]*)"/.exec(line)![1]!.split(':').filter(Boolean)) roots.add(root.replace(/\/+$/, ''));
  }
  const hostsFiles: Record<string, string> = {};
  const hostDirs: Record<string, string[]> = {};
  for (const root of roots) {
    const dirs = await files.readdir(root);
    hostDirs[root] = dirs;
    for (const dir of dirs) {
      for (const name of (await files.readdir(`${root}/${dir}`)).filter(OURS)) {
        const t = await files.readText(`${root}/${dir}/${name}`);
        if (t !== undefined) hostsFiles[`${root}/${dir}/${name}`] = t;
      }
    }
  }
  const dropIn = await files.readText(DROP_IN);
  if (dropIn !== undefined) hostsFiles[DROP_IN] = dropIn;
  for (const r of records) {
    for (const f of r.files) {
      if (hostsFiles[f.path] !== undefined) continue;
      const t = await files.readText(f.path);
      if (t !== undefined) hostsFiles[f.path] = t;
    }
  }
  const backups: Record<string, string> = {};
  for (const r of records) {
    for (const f of r.files) {
      if (f.previous === undefined) continue;
      const t = await files.readText(f.previous.backupPath);
      if (t !== undefined) backups[f.previous.backupPath] = t;
    }
  }
  const paths = providerPaths({ ...(o.kubelet ? { kubelet: o.kubelet } : {}) });
  const provider = o.provider ? { provider: { config: await text(files, paths.config), executable: await text(files, paths.executable) } } : {};
  return { config, imports, hostsFiles, hostDirs, backups, ...provider };
}
