import type { DesiredFile } from '../core/desired-file.js';
import type { Journal } from '../core/journal.js';

// Every file regsetup manages, for the watcher: what each runtime record of the journal names
// (whichever runtime wrote it: a record's strings that are absolute paths), the places join
// writes to for each registry, the Docker config's credHelpers, and the desired-state file itself.

const CONFIG_DIRS = ['/etc/docker/certs.d', '/etc/containerd/certs.d', '/etc/containers/registries.conf.d', '/etc/containers/certs.d', '/etc/rancher/k3s/registries.yaml', '/etc/rancher/rke2/registries.yaml'];

function pathsIn(value: unknown, out: Set<string>): void {
  if (typeof value === 'string') {
    // Backups are ours alone: nobody edits them, and watching /var/lib/regsetup would see every journal write.
    if (/^\/[^\s]*$/.test(value) && !value.startsWith('/var/lib/regsetup/')) out.add(value);
  } else if (Array.isArray(value)) value.forEach((v) => pathsIn(v, out));
  else if (value !== null && typeof value === 'object') Object.values(value).forEach((v) => pathsIn(v, out));
}

export function watchedPaths(o: { journal: Journal; file: DesiredFile | undefined; desiredFilePath: string; daemonJsonPaths: readonly string[]; dockerConfigDir?: string }): string[] {
  const out = new Set<string>([o.desiredFilePath, ...o.daemonJsonPaths]);
  for (const entry of Object.values(o.journal.registries)) pathsIn(entry.runtimes, out);
  for (const entry of o.file?.registries ?? []) {
    for (const hostPort of [entry.registry, entry.pushRegistry].filter((h): h is string => h !== undefined)) {
      for (const dir of CONFIG_DIRS) out.add(dir.endsWith('.d') ? `${dir}/${hostPort}` : dir);
    }
    if (entry.credentials?.passwordFile) out.add(entry.credentials.passwordFile);
    if (entry.ca.file) out.add(entry.ca.file);
  }
  for (const dir of CONFIG_DIRS.filter((d) => !d.endsWith('.d') || d.includes('registries.conf.d'))) out.add(dir);
  if (o.dockerConfigDir) out.add(`${o.dockerConfigDir.replace(/\/+$/, '')}/config.json`);
  return [...out].sort();
}
