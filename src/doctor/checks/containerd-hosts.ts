import { fileOwner, type Journal } from '../../core/journal.js';
import { redact } from '../../core/redact.js';
import { inspectCaPem } from '../../host/tls.js';
import { caFiles, clientFiles, pulls, readHostsFile, type HostFields } from '../../runtimes/containerd/hosts-file.js';
import type { ContainerdRecord } from '../../runtimes/containerd/record.js';
import type { ContainerdSession } from '../../runtimes/containerd/session.js';
import type { ContainerdSnapshot } from '../../runtimes/containerd/snapshot.js';
import { hubRepository } from '../../verify/image-ref.js';
import type { DoctorState } from '../ports.js';
import type { Finding } from '../types.js';

/** One containerd session as doctor's containerd check sees it. */
export interface ContainerdView {
  s: DoctorState;
  session: ContainerdSession;
  snap: ContainerdSnapshot;
  journal: Journal;
  /** The registries on record for this session, with their records. */
  records: Array<{ registry: string; record: ContainerdRecord }>;
  /** The hosts roots to read: the ones CRI uses, the ones config.toml names, the ones regsetup wrote into. */
  roots: string[];
  /** CRI reads hosts.toml now (config_path in use): its mirrors are asked. */
  live: boolean;
}

const finding = (f: Omit<Finding, 'check' | 'fixable'>): Finding => ({ fixable: false, check: 'containerd', ...f });

const hostOf = (url: string): string | undefined => {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
};

/** A host directory's name as the registry it is for: "host_port_" → "host:port"; undefined for _default. */
const registryOf = (dir: string): string | undefined => (dir === '_default' ? undefined : dir.replace(/^(.+)_(\d+)_$/, '$1:$2'));

/**
 * Every hosts.toml under the roots containerd reads (and the ones regsetup wrote into): it decodes
 * as containerd decodes it, the CA and client files it names are there and current, and — where
 * CRI reads them — each mirror answers.
 */
export async function hostsFindings(v: ContainerdView): Promise<Finding[]> {
  const found: Finding[] = [];
  for (const root of v.roots) {
    for (const dir of v.snap.hostDirs[root] ?? []) {
      const base = `${root}/${dir}`;
      const registry = registryOf(dir);
      const at = registry === undefined ? {} : { registry };
      const path = `${base}/hosts.toml`;
      const text = v.snap.hostsFiles[path];
      if (text === undefined) {
        // No hosts.toml: containerd reads the directory's *.crt as CAs (loadCertFiles).
        const crts = Object.keys(v.snap.hostsFiles).filter((p) => p.startsWith(`${base}/`) && p.endsWith('.crt'));
        for (const ca of crts) found.push(...(await caFinding(v, ca, `${base}/`, registry)));
        continue;
      }
      const read = readHostsFile(text, path);
      if (!read.ok) {
        const created = v.records.find((r) => r.record.hostsFiles.some((h) => h.path === path && h.created));
        const apply = created && v.s.ports.fixes.containerdRejoin?.(v.session.id, created.registry);
        found.push(
          finding({
            ...at,
            id: read.kind === 'toml' ? 'containerd-hosts-toml-malformed' : 'containerd-hosts-toml-invalid',
            severity: 'error',
            seen: read.problem,
            cause: `containerd cannot decode it: it only logs "failed to decode hosts.toml", and pulls of ${registry ?? 'every registry without a directory of its own'} go on without its mirrors and settings (only the directory's *.crt count).`,
            fix: created && apply ? `regsetup created it: \`regsetup doctor --fix\` writes it anew as \`regsetup join ${created.registry}\` wrote it (the diff shows what goes).` : `Fix ${path} at the place named (containerd's hosts.toml reference), or move it away; no restart is needed.`,
            ...(apply ? { fixable: true, apply } : {}),
          }),
        );
        continue;
      }
      const tables: Array<{ url: string; fields: HostFields; name: string }> = [
        ...read.file.hosts.map((h) => ({ url: h.url, fields: h.fields, name: `[host."${h.url}"]` })),
        { url: read.file.server ?? '', fields: read.file.top, name: 'server' },
      ];
      for (const t of tables) {
        for (const ca of caFiles(t.fields, base)) found.push(...(await caFinding(v, ca, `${path}: ${t.name} ca = `, registry)));
        for (const file of clientFiles(t.fields, base)) {
          if (await v.s.ports.files.exists(file)) continue;
          found.push(finding({ ...at, id: 'containerd-client-file-missing', severity: 'error', seen: `${path}: ${t.name} client names ${file}, which does not exist`, cause: `containerd fails every pull through ${t.url || registry} ("unable to read CERT file").`, fix: `Put the client certificate and key there, or correct the path in ${path}.` }));
        }
      }
      if (v.live && registry !== undefined) {
        // A table for the registry itself is not a mirror: the verify check asks the registry.
        const mirrors = read.file.hosts.filter((x) => pulls(x.fields) && hostOf(x.url) !== registry);
        for (const m of mirrors) found.push(...(await mirrorFinding(v, path, registry, m.url, m.fields, base)));
      }
    }
  }
  return found;
}

/** One CA file as containerd loads it: there, PEM, current, a CA. */
async function caFinding(v: ContainerdView, file: string, where: string, registry: string | undefined): Promise<Finding[]> {
  const at = registry === undefined ? {} : { registry };
  const pem = await v.s.ports.files.readText(file);
  const ours = fileOwner(v.journal, file);
  const rejoin = ours ? `\`regsetup join ${ours.entry.registry} --runtime containerd --ca-url … --ca-fingerprint …\` installs it again` : 'install the registry\'s CA there, or correct the path';
  if (pem === undefined) {
    return [finding({ ...at, id: 'containerd-ca-missing', severity: 'error', seen: `${where}${file}, which does not exist${ours ? ' (regsetup join installed it)' : ''}`, cause: `containerd fails every pull from ${registry ?? 'these hosts'} ("unable to read CA cert").`, fix: `${rejoin[0]!.toUpperCase()}${rejoin.slice(1)}.` })];
  }
  const inspected = inspectCaPem(pem, v.s.ports.clock.now());
  const subject = inspected.info?.subject.replace(/\n/g, ', ') ?? 'unknown subject';
  return inspected.problems
    .filter((p) => !/only the first was inspected/.test(p))
    .map((problem) => {
      const id = /^expired/.test(problem) ? 'containerd-ca-expired' : /^not valid before/.test(problem) ? 'containerd-ca-not-yet-valid' : /^not a CA/.test(problem) ? 'containerd-ca-not-a-ca' : 'containerd-ca-invalid';
      const cause = {
        'containerd-ca-expired': `The CA containerd trusts for ${registry ?? 'these hosts'} has expired: certificates it signed no longer verify.`,
        'containerd-ca-not-yet-valid': `The CA is not valid yet by this host's clock: usually the clock is behind.`,
        'containerd-ca-not-a-ca': 'It is not a CA certificate; it anchors trust only if it is the server\'s own certificate.',
        'containerd-ca-invalid': `containerd cannot load it ("unable to load CA cert"), so it fails every pull from ${registry ?? 'these hosts'}.`,
      }[id];
      const fix = id === 'containerd-ca-not-yet-valid' ? 'Check this host\'s clock (`date -u`); set it from NTP (`timedatectl set-ntp true`, or `chronyc makestep`).' : `Get the current CA from the registry administrator: ${rejoin}.`;
      return finding({ ...at, id, severity: id === 'containerd-ca-not-a-ca' ? 'warning' : 'error', seen: `${where}${file}: CA ${subject}: ${problem}`, cause, fix });
    });
}

/** A mirror asked as containerd asks it: with the table's CA (or skip_verify); a manifest of Docker Hub's, else /v2/. */
async function mirrorFinding(v: ContainerdView, path: string, upstream: string, url: string, fields: HostFields, base: string): Promise<Finding[]> {
  const cas = (await Promise.all(caFiles(fields, base).map((f) => v.s.ports.files.readText(f)))).filter((t): t is string => t !== undefined);
  const tls = { ...(cas.length > 0 ? { ca: cas } : {}), ...(fields.skip_verify ? { insecureSkipVerify: true } : {}) };
  const hub = upstream === 'docker.io' ? hubRepository(v.s.hubImage) : undefined;
  const asked = hub ? `${hub.path}:${hub.tag}` : '/v2/';
  let seen: string;
  let status: number | undefined;
  try {
    const head = await v.s.ports.probeHost(url, tls, hub ? { repo: hub.path, tag: hub.tag } : undefined);
    if (head.status === 200 || (!hub && head.status === 401)) return [];
    status = head.status;
    seen = `${path}: the mirror ${url} answered HTTP ${head.status} for ${asked} (asked anonymously, as containerd asks a mirror)`;
  } catch (error) {
    seen = redact(`${path}: the mirror ${url} failed for ${asked}: ${(error as Error).message}`);
  }
  const host = hostOf(url) ?? url;
  const tlsProblem = /x509|certificate|self.signed|UNABLE_TO_VERIFY|CERT_|SSL|TLS/i.test(seen);
  const why = tlsProblem
    ? `containerd does not trust the certificate of ${host} with this table's settings (its \`ca\`, or the system's roots).`
    : status === 404
      ? `${host} does not serve ${asked}: it is no ${upstream} proxy (or not one with that image).`
      : status === 401 || /credentials|unauthori[sz]ed/i.test(seen)
        ? `${host} wants credentials: a mirror is asked anonymously (kubelet's credentials are for the image's own registry).`
        : status !== undefined
          ? `${host} answered HTTP ${status}.`
          : `${host} cannot be reached from this host.`;
  return [
    finding({
      registry: host,
      id: 'containerd-mirror-failed',
      severity: 'error',
      seen,
      cause: `${why} containerd then tries the next host of ${path}: pulls of ${upstream} images are slower, or fail where ${upstream} is out of reach.`,
      fix: tlsProblem
        ? `Name the CA of ${host} in its [host."${url}"] table of ${path} (ca = ["${base.replace(/[^/]+$/, host)}/ca.crt"]), as \`regsetup join ${host} --runtime containerd --ca-url …\` does.`
        : `Check that ${url} serves ${upstream} content${status === 401 ? ' to anonymous clients (Nexus: the Docker Bearer Token Realm and "Allow anonymous docker pull")' : ''}, or remove [host."${url}"] from ${path}.`,
    }),
  ];
}
