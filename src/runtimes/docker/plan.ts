import { editDaemonJson, parseDaemonJson, validateDaemonJson, type DaemonJsonOptions } from '../../core/daemon-json.js';
import { describePem, pemCertificates, samePem, sha256Hex } from '../../core/digest.js';
import { refused } from '../../core/errors.js';
import { hubMirrors, UPSTREAM_DOCKER_HUB } from '../../core/mirrors.js';
import { planOwnedFile } from '../../core/owned-file.js';
import { joinHosts, type FileAction, type PlannedFile, type ResolvedDesired, type RuntimePlan } from '../../core/plan-types.js';
import type { PlanContext } from '../types.js';
import { activationDetail, changedKeys, decideActivation, refuseFlagConflicts } from './activation.js';
import { expectedFrom } from './confirm.js';
import { MANAGED_KEYS, type DockerRecord, type PlannedDockerRecord } from './record.js';
import { CERTS_DIR } from './layout.js';
import { byteView, caPath, certsFile, daemonJsonSource, type DockerSnapshot } from './snapshot.js';
import { planStoreHosts } from './store-hosts.js';
import { storeWarnings } from './store-warning.js';

/** The lists this join (or an earlier one) added to daemon.json as new keys: leave drops them again once they are empty. */
function createdKeysOf(previous: DockerRecord | undefined, source: Buffer | undefined, edit: ReturnType<typeof editDaemonJson>, path: string, opts: DaemonJsonOptions): Pick<DockerRecord, 'createdKeys'> {
  const before = source === undefined ? {} : parseDaemonJson(source, path, opts);
  const fresh = MANAGED_KEYS.filter((k) => !(k in before) && (k === 'registry-mirrors' ? edit.added.mirrors : edit.added.insecure).length > 0);
  const keys = MANAGED_KEYS.filter((k) => fresh.includes(k) || previous?.createdKeys?.includes(k));
  return keys.length > 0 ? { createdKeys: keys } : {};
}

export interface DockerSessionInfo {
  id: string;
  label: string;
}

/**
 * What `join` changes for dockerd: merge Docker Hub's mirrors and the insecure entries into
 * daemon.json, install the CA (and client pair) in certs.d for the registry and the push
 * registry, and decide how dockerd learns of it. Pure: refuses (exit 4) before anything is
 * written when it would break the daemon.
 */
export function planDocker(session: DockerSessionInfo, snapshot: DockerSnapshot, desired: ResolvedDesired, previous: DockerRecord | undefined, ctx: PlanContext): RuntimePlan {
  const hosts = joinHosts(desired);
  const warnings: string[] = [];
  const actions: FileAction[] = [];
  const unchanged: string[] = [];
  const files = new Map<string, PlannedFile>((previous?.files ?? []).map((f) => [f.path, f]));

  const others = desired.mirrors.filter((m) => m.upstream !== UPSTREAM_DOCKER_HUB);
  if (others.length > 0) {
    warnings.push(`dockerd mirrors only Docker Hub: ${[...new Set(others.map((m) => m.upstream))].join(', ')} ${others.length === 1 ? 'is' : 'are'} not mirrored for Docker (pull those images as <registry>/<path> instead); containerd and podman use these mirrors.`);
  }

  // certs.d files first: they are read at every pull, so they are live before dockerd reloads.
  const wanted = new Set<string>();
  const caPaths = new Map<string, string[]>();
  for (const hostPort of hosts) {
    for (const planned of certsFiles(snapshot, desired, hostPort, ctx)) {
      wanted.add(planned.path);
      if (planned.path.endsWith('.crt')) caPaths.set(hostPort, [...(caPaths.get(hostPort) ?? []), planned.path]);
      if (planned.action) actions.push(planned.action);
      else unchanged.push(planned.path);
      if (planned.file) files.set(planned.file.path, planned.file);
    }
  }
  // An extra CA of a rotation that is no longer wanted (its pin was dropped) goes again.
  for (const file of previous?.files ?? []) {
    if (wanted.has(file.path) || !EXTRA_CA.test(file.path)) continue;
    const current = certsFile(snapshot, file.path);
    if (current !== undefined && sha256Hex(current) === file.sha256) actions.push({ kind: 'remove-file', path: file.path, before: current, reason: 'remove a CA of a finished rotation' });
    files.delete(file.path);
  }

  const path = snapshot.daemonJsonPath;
  const source = daemonJsonSource(snapshot);
  const opts = snapshot.dockerd.version ? { dockerdVersion: snapshot.dockerd.version } : {};
  const edit = editDaemonJson(source ?? '', { addMirrors: hubMirrors(desired.mirrors), addInsecure: desired.insecure ? hosts : [] }, path, opts);
  const keys = edit.changed ? changedKeys(source, edit.bytes, path, opts) : [];
  if (edit.changed) {
    const problems = validateDaemonJson(parseDaemonJson(edit.bytes, path, opts));
    if (problems.length > 0) {
      throw refused('ERR_DAEMON_JSON_INVALID', `${path} would hold entries dockerd refuses:\n  ${problems.join('\n  ')}`, `Fix them in ${path} first.`);
    }
    refuseFlagConflicts(keys, snapshot.flagSources, path);
    const what = [...edit.added.mirrors.map((m) => `mirror ${m}`), ...edit.added.insecure.map((h) => `insecure registry ${h}`)];
    actions.push({
      kind: 'write-file',
      path,
      ...(source === undefined ? {} : { before: byteView(source) }),
      after: byteView(edit.bytes),
      encoding: 'latin1',
      mode: snapshot.daemonJsonStat?.mode ?? 0o644,
      reason: `add ${what.join(', ')}`,
    });
  } else {
    unchanged.push(path);
  }

  // The containerd image store reads hosts.toml where there is one (store-hosts.ts); it is read at every pull.
  const daemonMirrors = mirrorList(edit.changed ? edit.text : snapshot.daemonJsonText, path);
  const store = planStoreHosts(snapshot, desired, previous, { caPaths, daemonMirrors });
  actions.splice(actions.length - (edit.changed ? 1 : 0), 0, ...store.actions);
  unchanged.push(...store.unchanged);
  warnings.push(...store.warnings, ...storeWarnings(snapshot, desired));

  const decision = decideActivation(keys, desired.restart, snapshot.dockerd);
  if (decision.activation === 'restart' && snapshot.dockerd.canRestart === false) {
    throw refused('ERR_NO_RESTART', `The change to ${keys.join(', ')} needs a dockerd restart, but no service manager runs dockerd here`, 'Use --restart never and restart dockerd yourself.');
  }
  warnings.push(...decision.warnings);
  if (previous !== undefined && previous.daemonJsonPath !== path && edit.changed) {
    warnings.push(`${desired.registry} was joined with ${previous.daemonJsonPath}; dockerd now reads ${path}. Entries added to the old file stay there.`);
  }
  const record: PlannedDockerRecord = {
    kind: 'docker',
    daemonJsonPath: path,
    // Only what a join added: an entry that was already there is not ours to remove on leave.
    added: { mirrors: union(previous?.added.mirrors, edit.added.mirrors), insecure: union(previous?.added.insecure, edit.added.insecure) },
    files: [...files.values()],
    ...(previous?.createdDaemonJson || (snapshot.daemonJsonText === undefined && edit.changed) ? { createdDaemonJson: true } : {}),
    ...createdKeysOf(previous, source, edit, path, opts),
    ...(snapshot.certsDir === CERTS_DIR ? {} : { certsDir: snapshot.certsDir }),
    ...(store.entries.length > 0 ? { hostsFiles: store.entries } : {}),
  };
  return {
    runtime: session.id,
    kind: 'docker',
    label: session.label,
    actions,
    unchanged,
    activation: decision.activation,
    ...activationDetail(decision.activation),
    ...(edit.changed ? { expect: expectedFrom(source, edit.bytes, opts), expectBefore: expectedFrom(undefined, source ?? '', opts) } : {}),
    warnings,
    record,
  };
}

const union = (a: readonly string[] = [], b: readonly string[]): string[] => [...new Set([...a, ...b])];

function mirrorList(text: string | undefined, path: string): string[] {
  const value = parseDaemonJson(text ?? '', path)['registry-mirrors'];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

// During a CA rotation the new CA sits next to the old one: Docker reads every *.crt of the directory.
const EXTRA_CA = /\/ca-[0-9a-f]{12}\.crt$/;
const withNewline = (pem: string) => (pem.endsWith('\n') ? pem : `${pem}\n`);

/** The CAs (ca.crt, and ca-<sha>.crt for more during a rotation) and the client pair of one registry in certs.d. */
function certsFiles(snapshot: DockerSnapshot, desired: ResolvedDesired, hostPort: string, ctx: PlanContext) {
  const planned = [];
  desired.caPems.forEach((pem, i) => {
    const name = i === 0 ? 'ca.crt' : `ca-${sha256Hex(pemCertificates(pem)[0] ?? pem).slice(0, 12)}.crt`;
    planned.push(planCa(snapshot, hostPort, withNewline(pem), desired.registry, ctx, name));
  });
  if (desired.clientCert) {
    const dir = `${snapshot.certsDir.replace(/\/+$/, '')}/${hostPort}`;
    const current = snapshot.existingCaFiles[hostPort] ?? {};
    for (const [name, content, mode, secret] of [['client.cert', desired.clientCert.cert, 0o644, false], ['client.key', desired.clientCert.key, 0o600, true]] as const) {
      planned.push(
        planOwnedFile({
          path: `${dir}/${name}`,
          content,
          current: current[name],
          mode,
          secret,
          journal: ctx.journal,
          registry: desired.registry,
          reason: `the client ${name === 'client.key' ? 'key' : 'certificate'} for ${hostPort}`,
          conflict: () => refused('ERR_CLIENT_CERT_CONFLICT', `${dir}/${name} already holds another client ${name === 'client.key' ? 'key' : 'certificate'}, not installed by regsetup`, 'Move it away (keep a copy) and run join again, or leave out --client-cert/--client-key.'),
        }),
      );
    }
  }
  return planned;
}

function planCa(snapshot: DockerSnapshot, hostPort: string, pem: string, registry: string, ctx: PlanContext, name = 'ca.crt') {
  const path = `${caPath(snapshot.certsDir, hostPort).slice(0, -'ca.crt'.length)}${name}`;
  const dir = snapshot.existingCaFiles[hostPort] ?? {};
  const current = dir[name];
  // Docker reads every *.crt in the directory: the same CA under another name already works.
  if (current === undefined || !samePem(current, pem)) {
    // …but not one of our own rotation files: that one goes once the rotation is done.
    const twin = Object.keys(dir).find((n) => n.endsWith('.crt') && !EXTRA_CA.test(`/${n}`) && samePem(dir[n]!, pem));
    if (twin !== undefined) return { path: `${path.slice(0, -name.length)}${twin}` };
  }
  return planOwnedFile({
    path,
    content: pem,
    current,
    mode: 0o644,
    journal: ctx.journal,
    registry,
    same: samePem,
    reason: current === undefined ? `trust the CA ${describePem(pem)} for ${hostPort}` : `replace the CA regsetup installed with ${describePem(pem)}`,
    conflict: (old) =>
      refused(
        'ERR_CA_CONFLICT',
        `${path} already holds another CA (${describePem(old)}), not installed by regsetup; it will not be replaced with ${describePem(pem)}`,
        'If the new CA is right, move the old file away (keep a copy) and run join again. If the old one is right, pass it with --ca-file or pin it with --ca-fingerprint.',
      ),
  });
}
