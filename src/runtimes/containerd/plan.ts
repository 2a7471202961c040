import { pemCertificates, samePem, sha256Hex, describePem } from '../../core/digest.js';
import { refused } from '../../core/errors.js';
import { byUpstream, DOCKER_HUB_SERVER, UPSTREAM_DOCKER_HUB } from '../../core/mirrors.js';
import { planOwnedFile } from '../../core/owned-file.js';
import { joinHosts, type Activation, type FileAction, type PlannedFile, type ResolvedDesired, type RuntimePlan } from '../../core/plan-types.js';
import type { PlanContext } from '../types.js';
import { DEFAULT_HOSTS_ROOT, registrySettings } from './config.js';
import { planEnableConfigPath } from './config-edit.js';
import { planHostsFile, unplanHostsFile, type HostTable } from './hosts.js';
import { planKubeletProvider } from './kubelet.js';
import { planMigration, refuseDeprecated } from './migrate.js';
import type { ConfigEdit, ContainerdRecord, HostsEntry, PlannedContainerdRecord } from './record.js';
import type { ContainerdSnapshot } from './snapshot.js';

export interface ContainerdSessionInfo {
  id: string;
  label: string;
  configFile: string;
}

/** Where containerd looks for a host: `host_port_`, then `host:port`, under the root; the first that exists wins. */
export function hostDir(snap: ContainerdSnapshot, root: string, hostPort: string): string {
  const r = root.replace(/\/+$/, '');
  const colon = hostPort.lastIndexOf(':');
  const candidates = [...(colon > 0 && !hostPort.endsWith(']') ? [`${hostPort.slice(0, colon)}_${hostPort.slice(colon + 1)}_`] : []), hostPort];
  const existing = new Set(snap.hostDirs[r] ?? []);
  return `${r}/${candidates.find((c) => existing.has(c)) ?? hostPort}`;
}

const DETAIL: Record<Activation, string | undefined> = { restart: 'stop and start; running containers keep running in their shims; never SIGHUP, which kills containerd', reload: undefined, none: 'hosts.toml is read at every pull' };

/**
 * What `join` changes for containerd: hosts.toml (and CA files) for the registry, the push registry and
 * every mirrored upstream, under config_path; config_path itself when CRI does not read hosts.toml yet
 * (then a restart). Pure: refuses (exit 4) before anything is written when it would break CRI.
 */
export function planContainerd(session: ContainerdSessionInfo, snap: ContainerdSnapshot, desired: ResolvedDesired, previous: ContainerdRecord | undefined, ctx: PlanContext): RuntimePlan {
  const settings = registrySettings(snap);
  const warnings: string[] = [];
  const unchanged: string[] = [];
  const texts = new Map<string, { before?: string; after?: string; reason: string[] }>();
  const stage = (a: FileAction) => {
    const t = texts.get(a.path) ?? { ...(a.before === undefined ? {} : { before: a.before }), reason: [] };
    t.after = a.kind === 'write-file' ? a.after : undefined;
    t.reason.push(a.reason);
    texts.set(a.path, t);
  };
  const owned = new Map<string, PlannedFile>((previous?.files ?? []).map((f) => [f.path, f]));

  // The deprecated sections first: with them CRI would not load once config_path is on.
  let migrated: ReturnType<typeof planMigration> | undefined;
  if (settings.deprecated.length > 0) {
    if (!desired.migrateContainerdMirrors) refuseDeprecated(settings.deprecated);
    migrated = planMigration(snap, settings);
    migrated.actions.forEach(stage);
  }

  let configEdit: ConfigEdit | undefined = previous?.configEdit;
  let activation: Activation = 'none';
  const root = settings.configPath?.[0] ?? DEFAULT_HOSTS_ROOT;
  if (settings.configPath === undefined || migrated !== undefined) {
    if (settings.configPath === undefined) {
      const after = (p: string, t: string | undefined) => texts.get(p)?.after ?? t;
      const view = { ...snap, config: { ...snap.config, text: after(snap.config.path, snap.config.text) }, imports: snap.imports.map((f) => ({ ...f, text: after(f.path, f.text) })) };
      const enable = planEnableConfigPath(view, registrySettings({ ...view, version: snap.version }), root);
      enable.actions.forEach((a) => stage({ ...a, ...(snapTextOf(snap, a.path) === undefined ? {} : { before: snapTextOf(snap, a.path)! }) } as FileAction));
      configEdit = enable.edit;
      if (enable.edit.how === 'drop-in') owned.set(enable.edit.dropIn, { path: enable.edit.dropIn, sha256: sha256Hex(texts.get(enable.edit.dropIn)!.after!) });
    }
    activation = decideRestart(desired, snap, warnings);
  }
  for (const path of migrated?.files ?? []) {
    const before = snapTextOf(snap, path)!;
    owned.set(path, { path, sha256: sha256Hex(texts.get(path)!.after!), previous: { sha256: sha256Hex(before) } });
  }

  // CA files and the client pair of the registry and the push registry, in their host directories.
  const hosts = joinHosts(desired);
  const caPaths = new Map<string, string[]>();
  for (const hostPort of hosts) {
    const dir = hostDir(snap, root, hostPort);
    const paths: string[] = [];
    desired.caPems.forEach((pem, i) => {
      const name = i === 0 ? 'ca.crt' : `ca-${sha256Hex(pemCertificates(pem)[0] ?? pem).slice(0, 12)}.crt`;
      const p = ownedFile(snap, ctx, desired.registry, `${dir}/${name}`, pem.endsWith('\n') ? pem : `${pem}\n`, 0o644, `trust the CA ${describePem(pem)} for ${hostPort}`, true);
      paths.push(p.path);
      if (p.action) stage(p.action);
      else unchanged.push(p.path);
      if (p.file) owned.set(p.path, p.file);
    });
    caPaths.set(hostPort, paths);
    if (desired.clientCert) {
      for (const [name, content, mode] of [['client.cert', desired.clientCert.cert, 0o644], ['client.key', desired.clientCert.key, 0o600]] as const) {
        const p = ownedFile(snap, ctx, desired.registry, `${dir}/${name}`, content, mode, `the client ${name} for ${hostPort}`, false);
        if (p.action) stage(name === 'client.key' ? { ...p.action, secret: true } : p.action);
        if (p.file) owned.set(p.path, p.file);
      }
    }
  }

  // hosts.toml of each registry host and each mirrored upstream.
  const files: Array<{ hostPort: string; server: string; tables: HostTable[] }> = hosts.map((hostPort) => ({
    hostPort,
    server: `${desired.plainHttp?.includes(hostPort) ? 'http' : 'https'}://${hostPort}`,
    tables: [{ url: `${desired.plainHttp?.includes(hostPort) ? 'http' : 'https'}://${hostPort}`, content: hostContent(desired, caPaths.get(hostPort)!, ['pull', 'resolve', 'push']) }],
  }));
  for (const [upstream, urls] of byUpstream(desired.mirrors)) {
    const tables = urls.map((url) => {
      const mirrorHost = new URL(url).host;
      const ours = hosts.includes(mirrorHost);
      return { url, content: ours ? hostContent(desired, caPaths.get(mirrorHost)!, ['pull', 'resolve']) : { capabilities: ['pull', 'resolve'] } };
    });
    files.push({ hostPort: upstream, server: upstream === UPSTREAM_DOCKER_HUB ? DOCKER_HUB_SERVER : `https://${upstream}`, tables });
  }
  for (const [upstream, tables] of migrated?.tables ?? []) {
    const f = files.find((x) => x.hostPort === upstream);
    if (f) f.tables.push(...tables.filter((t) => !f.tables.some((x) => x.url === t.url)));
    else files.push({ hostPort: upstream, server: upstream === UPSTREAM_DOCKER_HUB ? DOCKER_HUB_SERVER : `https://${upstream}`, tables });
  }
  const hostsFiles: HostsEntry[] = [];
  for (const f of files) {
    const path = `${hostDir(snap, root, f.hostPort)}/hosts.toml`;
    const planned = planHostsFile({ path, current: snap.hostsFiles[path], server: f.server, tables: f.tables, ...prev(previous, path), registry: desired.registry, ...(desired.replaceUnparsable ? { replaceUnparsable: true } : {}) });
    warnings.push(...planned.warnings);
    if (planned.action) stage(planned.action);
    else unchanged.push(path);
    if (planned.entry) hostsFiles.push(planned.entry);
  }
  // hosts.toml files an earlier join wrote that this one no longer wants (a mirror dropped).
  for (const old of previous?.hostsFiles ?? []) {
    if (hostsFiles.some((h) => h.path === old.path)) continue;
    const action = unplanHostsFile(old, snap.hostsFiles[old.path], 'remove the hosts a mirror no longer needs', warnings);
    if (action) stage(action);
  }

  if (desired.kubeletCredentialProvider) {
    const provider = planKubeletProvider(snap, desired, ctx, warnings);
    provider.actions.forEach(stage);
    for (const f of provider.files) owned.set(f.path, f);
  }

  const actions = [...texts.entries()].map(([path, t]): FileAction =>
    t.after === undefined
      ? { kind: 'remove-file', path, before: t.before!, reason: t.reason.join('; ') }
      : { kind: 'write-file', path, ...(t.before === undefined ? {} : { before: t.before }), after: t.after, mode: path.endsWith('client.key') ? 0o600 : path.endsWith('/regsetup') ? 0o755 : 0o644, reason: t.reason.join('; '), ...(path.endsWith('client.key') ? { secret: true } : {}) },
  );
  const record: PlannedContainerdRecord = { kind: 'containerd', configFile: session.configFile, hostsRoot: root, files: [...owned.values()], hostsFiles, ...(configEdit ? { configEdit } : {}) };
  return {
    runtime: session.id,
    kind: 'containerd',
    label: session.label,
    actions,
    unchanged,
    activation,
    ...(DETAIL[activation] ? { activationDetail: DETAIL[activation] } : {}),
    expect: { configPathRoot: root },
    expectBefore: { configPathRoot: settings.configPath?.[0] ?? null },
    warnings,
    record,
  };
}

const prev = (previous: ContainerdRecord | undefined, path: string) => {
  const p = previous?.hostsFiles.find((h) => h.path === path);
  return p ? { previous: p } : {};
};

const snapTextOf = (snap: ContainerdSnapshot, path: string): string | undefined =>
  [snap.config, ...snap.imports].find((f) => f.path === path)?.text ?? snap.hostsFiles[path];

function hostContent(desired: ResolvedDesired, caPaths: string[], capabilities: string[]): Record<string, unknown> {
  const dir = caPaths[0]?.replace(/\/[^/]+$/, '');
  return {
    capabilities,
    ...(caPaths.length > 0 ? { ca: caPaths } : {}),
    ...(desired.clientCert && dir ? { client: [[`${dir}/client.cert`, `${dir}/client.key`]] } : {}),
    ...(desired.insecure ? { skip_verify: true } : {}),
  };
}

function ownedFile(snap: ContainerdSnapshot, ctx: PlanContext, registry: string, path: string, content: string, mode: number, reason: string, pem: boolean) {
  return planOwnedFile({
    path,
    content,
    current: snap.hostsFiles[path],
    mode,
    journal: ctx.journal,
    registry,
    reason,
    ...(pem ? { same: samePem } : {}),
    conflict: (old) =>
      refused('ERR_CA_CONFLICT', `${path} already holds ${pem ? `another CA (${describePem(old)})` : 'another file'}, not installed by regsetup; it will not be replaced`, 'If the new one is right, move the old file away (keep a copy) and run join again.'),
  });
}

/** config_path needs a restart; only where the policy allows it, and never a signal. */
function decideRestart(desired: ResolvedDesired, snap: ContainerdSnapshot, warnings: string[]): Activation {
  if (!snap.running) {
    warnings.push('containerd is not running: it reads config_path when it starts.');
    return 'none';
  }
  if (desired.restart === 'never' || desired.restart === 'reload') {
    throw refused(
      'ERR_RESTART_REQUIRED',
      `containerd reads config_path only at start, so it would have to restart (--restart ${desired.restart} forbids it); containerd cannot reload (a SIGHUP kills it)`,
      'Run with --restart auto (or restart), or set config_path in config.toml yourself, restart containerd, and run join again. Nothing was changed.',
    );
  }
  if (!snap.canRestart) throw refused('ERR_NO_RESTART', 'containerd must restart to read config_path, but regsetup cannot restart it here (from a container it restarts only a containerd that the host\'s systemd runs)', 'Set config_path yourself and restart containerd, then run join again. Nothing was changed.');
  return 'restart';
}
