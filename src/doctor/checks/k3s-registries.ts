import { emptyJournal } from '../../core/journal.js';
import { layoutFor, hostsTomlPath, type K3sKind } from '../../runtimes/k3s/layout.js';
import { readK3sFiles } from '../../runtimes/k3s/read-snapshot.js';
import { parseRegistries, type ParsedRegistries } from '../../runtimes/k3s/registries-file.js';
import { trapProblems } from '../../runtimes/k3s/trap-refusal.js';
import { configDir } from '../../runtimes/k3s/layout.js';
import type { Check, DoctorState } from '../ports.js';
import type { Finding } from '../types.js';

const finding = (f: Omit<Finding, 'check' | 'fixable'>): Finding => ({ fixable: false, check: 'k3s-registries', ...f });

/** The registries.yaml the agent reads: the private-registry of its config file, else the default. */
async function registriesPath(s: DoctorState, kind: K3sKind): Promise<string> {
  const config = (await s.ports.files.readText(`${configDir(kind)}/config.yaml`).catch(() => undefined)) ?? '';
  const set = /^private-registry:\s*["']?([^"'#\s]+)/m.exec(config)?.[1];
  return set ?? layoutFor(kind).registriesPath;
}

/**
 * k3s and rke2: their registries.yaml parses as they parse it, holds none of the shapes that make
 * the generated hosts.toml useless (a repeated endpoint, a configs entry no mirror uses), names CA
 * and client files that exist, and is not newer than the hosts.toml the agent last generated.
 */
export const k3sRegistriesCheck: Check = {
  name: 'k3s-registries',
  async run(s: DoctorState): Promise<Finding[]> {
    const found: Finding[] = [];
    for (const kind of ['k3s', 'rke2'] as const) {
      const layout = layoutFor(kind, { registriesPath: await registriesPath(s, kind) });
      const path = layout.registriesPath;
      const snap = await readK3sFiles(s.ports.files, layout, [], emptyJournal());
      if (snap.registriesProblem) {
        found.push(finding({ id: 'k3s-registries-unsafe', severity: 'error', seen: snap.registriesProblem.message, cause: `${kind} reads ${path} at start; regsetup will not edit it as it is.`, fix: snap.registriesProblem.hint ?? `Make ${path} a plain file.` }));
        continue;
      }
      if (snap.registriesText === undefined) continue;
      let parsed: ParsedRegistries;
      try {
        parsed = parseRegistries(snap.registriesText, path);
      } catch (error) {
        found.push(finding({ id: 'k3s-registries-malformed', severity: 'error', seen: (error as Error).message, cause: `${kind} cannot use ${path} as it is: it fails to start, or starts without the registry settings.`, fix: `Fix ${path} at the place named (\`${kind} check-config\` does not read it), then \`systemctl restart ${kind === 'k3s' ? 'k3s' : 'rke2-server'}\`.` }));
        continue;
      }
      for (const trap of trapProblems(parsed, path)) {
        found.push(
          finding({
            id: trap.id,
            severity: trap.id === 'k3s-duplicate-endpoint' ? 'error' : 'warning',
            seen: trap.what,
            cause: trap.id === 'k3s-duplicate-endpoint' ? 'containerd refuses the hosts.toml k3s generates from such a list and ignores all of its endpoints.' : 'Some k3s releases generate a hosts.toml that containerd refuses for such an entry, ignoring its CA and credentials.',
            fix: trap.fix,
          }),
        );
      }
      found.push(...(await tlsFiles(s, parsed, path)), ...(await stale(s, parsed, layout, snap.registriesText, kind)));
    }
    return found;
  },
};

/** Every tls file registries.yaml names must exist: containerd cannot load a missing one, so every pull from that host fails. */
async function tlsFiles(s: DoctorState, parsed: ParsedRegistries, path: string): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const [host, config] of Object.entries(parsed.value.configs)) {
    for (const key of ['ca_file', 'cert_file', 'key_file'] as const) {
      const file = config.tls?.[key];
      if (file === undefined || (await s.ports.files.exists(file))) continue;
      out.push(
        finding({
          id: key === 'ca_file' ? 'k3s-ca-missing' : 'k3s-client-file-missing',
          severity: 'error',
          registry: host,
          seen: `${path}: configs.${host}.tls.${key} names ${file}, which does not exist`,
          cause: `containerd cannot load ${file}, so pulls from ${host} fail.`,
          fix: key === 'ca_file' ? `Install the CA there (\`regsetup join ${host} --ca-file …\` does, in /etc/rancher/<kind>/regsetup/${host}/), or correct the path.` : `Put the client ${key === 'cert_file' ? 'certificate' : 'key'} at ${file}, or correct the path.`,
        }),
      );
    }
  }
  return out;
}

/** registries.yaml changed after the agent last generated hosts.toml from it: it has not been restarted since. */
async function stale(s: DoctorState, parsed: ParsedRegistries, layout: ReturnType<typeof layoutFor>, text: string, kind: K3sKind): Promise<Finding[]> {
  const file = await s.ports.files.stat(layout.registriesPath);
  if (file === undefined || text.trim() === '') return [];
  for (const host of Object.keys(parsed.value.mirrors)) {
    const generated = await s.ports.files.stat(hostsTomlPath(layout, host));
    if (generated === undefined || generated.mtimeMs >= file.mtimeMs) continue;
    return [
      finding({
        id: 'k3s-not-restarted',
        severity: 'warning',
        seen: `${layout.registriesPath} is newer than ${hostsTomlPath(layout, host)}`,
        cause: `${kind} writes containerd's configuration from registries.yaml only when it starts: the last change is not live.`,
        fix: `Restart it: \`systemctl restart ${kind === 'k3s' ? 'k3s' : 'rke2-server'}\` (or the agent unit on agent nodes); running pods keep running.`,
      }),
    ];
  }
  return [];
}
