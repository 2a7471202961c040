import { normalizeMirrorUrl } from '../../core/registry-name.js';
import { caFiles, readHostsFile, type HostsFile } from '../../runtimes/containerd/hosts-file.js';
import { underscoreDir } from '../../runtimes/docker/read-snapshot.js';
import { storeTokenIgnoresCa } from '../../runtimes/docker/store-warning.js';
import type { Check, DoctorState } from '../ports.js';
import type { Finding } from '../types.js';

// dockerd with the containerd image store resolves registries through containerd's resolver rooted
// at its certs.d (docs/architecture.md "Docker variants", runtimes/docker/store-hosts.ts): a
// certs.d/<host>/hosts.toml is then all it reads for that host, and daemon.json's mirrors and
// insecure entries count only while that file has no [host] table.

const finding = (f: Omit<Finding, 'check' | 'fixable'>): Finding => ({ fixable: false, check: 'docker-store', ...f });
const STORE = 'dockerd (containerd image store)';
const canon = (url: string) => {
  try {
    return normalizeMirrorUrl(url).toLowerCase();
  } catch {
    return url.toLowerCase();
  }
};

async function registryFindings(s: DoctorState, hostPort: string, dirs: string[]): Promise<Finding[]> {
  const certs = s.layout.certsDir;
  const dir = dirs.includes(underscoreDir(hostPort)) ? underscoreDir(hostPort) : hostPort;
  const path = `${certs}/${dir}/hosts.toml`;
  const text = await s.ports.files.readText(path);
  if (text === undefined) return [];
  const read = readHostsFile(text, path);
  const base = { registry: hostPort };
  if (!read.ok) {
    return [finding({ ...base, id: 'docker-store-hosts-malformed', severity: 'warning', seen: read.problem, cause: `${STORE} cannot decode it: it falls back to the directory's *.crt for ${hostPort}, without the file's hosts and settings.`, fix: `Fix ${path} at the place named, or move it away; dockerd reads it at every pull.` })];
  }
  const found: Finding[] = [];
  const tables = [read.file.top, ...read.file.hosts.map((h) => h.fields)];
  const crts = (await s.ports.files.readdir(`${certs}/${dir}`)).filter((n) => n.endsWith('.crt'));
  const skip = tables.some((t) => t.skip_verify === true);
  if (crts.length > 0 && !skip && !tables.some((t) => caFiles(t, `${certs}/${dir}`).length > 0)) {
    found.push(finding({
      ...base,
      id: 'docker-store-ca-hidden',
      severity: 'error',
      seen: `${path} names no CA; ${certs}/${dir} holds ${crts.join(', ')}`,
      cause: `With a hosts.toml there, ${STORE} reads only that file for ${hostPort}: the directory's *.crt are not trusted, so pulls and pushes fail with "x509: certificate signed by unknown authority".`,
      fix: `Add ca = ["${certs}/${dir}/${crts[0]}"] to its tables, or run \`regsetup join ${hostPort} --ca-file ${certs}/${dir}/${crts[0]}\`, which adds it.`,
    }));
  }
  const insecure = 'info' in s.daemon && s.daemon.info.indexConfigs[hostPort]?.secure === false;
  if (insecure && read.file.hosts.length > 0 && !skip) {
    found.push(finding({
      ...base,
      id: 'docker-store-insecure-ignored',
      severity: 'error',
      seen: `${hostPort} is in insecure-registries, and ${path} has [host] tables`,
      cause: `${STORE} merges daemon.json's insecure-registries into a host only while its hosts.toml has no [host] table: for ${hostPort} it verifies TLS (and does not fall back to plain HTTP).`,
      fix: `Add skip_verify = true to its [host] tables in ${path} (\`regsetup join ${hostPort} --insecure\` does).`,
    }));
  }
  return found;
}

/** Docker Hub's hosts.toml (or _default's) listing hosts of its own hides daemon.json's registry-mirrors. */
async function hubFindings(s: DoctorState, mirrors: string[], dirs: string[]): Promise<Finding[]> {
  const certs = s.layout.certsDir;
  if (mirrors.length === 0) return [];
  for (const dir of ['docker.io', '_default']) {
    const path = `${certs}/${dir}/hosts.toml`;
    const text = await s.ports.files.readText(path);
    // containerd takes the first directory that exists: docker.io's, even without a hosts.toml.
    if (text === undefined && dirs.includes(dir)) return [];
    if (text === undefined) continue;
    const read = readHostsFile(text, path);
    const file: HostsFile | undefined = read.ok ? read.file : undefined;
    if (file === undefined || file.hosts.length === 0) return [];
    const listed = new Set(file.hosts.map((h) => canon(h.url)));
    const missing = mirrors.filter((m) => !listed.has(canon(m)));
    if (missing.length === 0) return [];
    return [finding({
      id: 'docker-store-mirrors-ignored',
      severity: 'warning',
      seen: `${path} lists ${file.hosts.map((h) => h.url).join(', ')}; registry-mirrors ${missing.join(', ')} is not among them`,
      cause: `With hosts of its own in ${path}, ${STORE} ignores daemon.json's registry-mirrors for Docker Hub${dir === '_default' ? ' (there is no docker.io directory, so _default applies)' : ''}.`,
      fix: `Add a [host."<mirror>"] table with capabilities = ["pull", "resolve"] for each to ${path}, or remove its [host] tables.`,
    })];
  }
  return [];
}

/** Before 29.5.0 the store asks a registry's token service without the host's CA or insecure setting (moby PR #52600). */
async function tokenFindings(s: DoctorState, hostPorts: string[], dirs: string[]): Promise<Finding[]> {
  if (!('info' in s.daemon) || !storeTokenIgnoresCa(s.daemon.info.serverVersion)) return [];
  const version = s.daemon.info.serverVersion;
  const found: Finding[] = [];
  for (const hostPort of hostPorts) {
    const dir = dirs.includes(underscoreDir(hostPort)) ? underscoreDir(hostPort) : hostPort;
    const privateCa = dirs.includes(dir) && (await s.ports.files.readdir(`${s.layout.certsDir}/${dir}`)).some((n) => n.endsWith('.crt') || n === 'hosts.toml');
    const insecure = s.daemon.info.indexConfigs[hostPort]?.secure === false;
    if (!privateCa && !insecure) continue;
    found.push(finding({
      registry: hostPort,
      id: 'docker-store-token-ca',
      severity: 'warning',
      seen: `dockerd ${version} uses the containerd image store; ${hostPort} has ${insecure ? 'an insecure setting' : `a private CA in ${s.layout.certsDir}/${dir}`}`,
      cause: `Before 29.5.0 the containerd image store asks the registry's token service without ${insecure ? 'the insecure setting' : 'that CA'} (moby PR #52600): anonymous checks pass while an authenticated pull or push fails.`,
      fix: `Prove it with an authenticated pull and push (\`regsetup verify ${hostPort} --username … --password-stdin\`), or upgrade dockerd to 29.5.0 or later.`,
    }));
  }
  return found;
}

/** 2b. The containerd image store's hosts.toml files in this dockerd's certs.d, where they change what Docker trusts. */
export const dockerStoreCheck: Check = {
  name: 'docker-store',
  async run(s: DoctorState): Promise<Finding[]> {
    if (!('info' in s.daemon) || !s.daemon.info.containerdStore) return [];
    const dirs = await s.ports.certsDirs();
    const hostPorts = [...new Set(s.targets.flatMap((t) => [t.registry.hostPort, t.pushRegistry.hostPort]))];
    const found: Finding[] = [];
    for (const hostPort of hostPorts) found.push(...(await registryFindings(s, hostPort, dirs)));
    found.push(...(await hubFindings(s, s.daemon.info.mirrors, dirs)), ...(await tokenFindings(s, hostPorts, dirs)));
    return found;
  },
};
