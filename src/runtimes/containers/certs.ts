import { describePem, samePem } from '../../core/digest.js';
import { refused } from '../../core/errors.js';
import { fileOwner } from '../../core/journal.js';
import { planOwnedFile, type OwnedFilePlan } from '../../core/owned-file.js';
import type { ResolvedDesired } from '../../core/plan-types.js';
import type { PlanContext } from '../types.js';
import type { CertsDirFiles, ContainersSnapshot } from './snapshot.js';

// containers/image takes the CA and client pair of a registry from ONE directory: the first of
// ~/.config/containers/certs.d/<host[:port]>, /etc/containers/certs.d/<…>, /etc/docker/certs.d/<…>
// that exists, no merging (docker/docker_client.go dockerCertDir), every *.crt and *.cert/*.key
// pair in it (pkg/tlsclientconfig SetupCertificates). So Docker's directory serves podman only
// while the containers one does not exist, and creating that one hides Docker's.

export interface CertsPlan {
  planned: OwnedFilePlan[];
  /** Files looked at and already right (a Docker directory that serves podman, the same CA under another name). */
  unchanged: string[];
  warnings: string[];
}

const twinCa = (dir: CertsDirFiles, pem: string) => Object.keys(dir).find((name) => name.endsWith('.crt') && samePem(dir[name]!, pem));
const hasPair = (dir: CertsDirFiles, pair: { cert: string; key: string }) =>
  Object.keys(dir).some((name) => name.endsWith('.cert') && dir[name] === pair.cert && dir[`${name.slice(0, -5)}.key`] === pair.key);

/** The CA and client pair of one registry, for every podman, buildah, skopeo and CRI-O on the host. */
export function planCerts(snapshot: ContainersSnapshot, desired: ResolvedDesired, hostPort: string, ctx: PlanContext): CertsPlan {
  const { layout } = snapshot;
  const out: CertsPlan = { planned: [], unchanged: [], warnings: [] };
  const first = desired.caPems[0];
  const pem = first === undefined ? undefined : first.endsWith('\n') ? first : `${first}\n`;
  const pair = desired.clientCert;
  if (pem === undefined && pair === undefined) return out;
  const dirs = snapshot.certs[hostPort] ?? {};
  const ours = `${layout.certsDir}/${hostPort}`;
  const docker = `${layout.dockerCertsDir}/${hostPort}`;
  if (dirs.user) {
    out.warnings.push(`${layout.userCertsDir}/${hostPort} exists: podman run by this user reads only that directory for ${hostPort}, not ${ours} or ${docker}; it must trust the registry by itself.`);
  }

  // Docker's directory already serves podman: the same CA (and pair), and no containers directory hides it.
  if (dirs.containers === undefined && dirs.docker !== undefined) {
    const twin = pem === undefined ? undefined : twinCa(dirs.docker, pem);
    const serves = (pem === undefined || twin !== undefined) && (pair === undefined || hasPair(dirs.docker, pair));
    // …unless that CA is regsetup's own, installed for dockerd: leaving Docker alone would then take podman's trust away.
    const dockerOwned = twin !== undefined && fileOwner(ctx.journal, `${docker}/${twin}`) !== undefined;
    if (serves && !dockerOwned) {
      out.unchanged.push(...(twin === undefined ? [] : [`${docker}/${twin}`]));
      return out;
    }
    const hidden = Object.keys(dirs.docker).filter((name) => !(pem !== undefined && name === twin));
    if (pair === undefined && hidden.some((name) => name.endsWith('.cert'))) {
      throw refused(
        'ERR_CERTS_DIR_SHADOW',
        `${docker} holds a client certificate podman uses for ${hostPort}; installing the CA in ${ours} would hide it (containers/image reads only the first existing directory)`,
        `Copy the client pair into ${ours} first (cp ${docker}/*.cert ${docker}/*.key ${ours}/), or give it with --client-cert/--client-key; nothing was changed.`,
      );
    }
    if (hidden.length > 0) out.warnings.push(`${ours} will hide ${docker} from podman, buildah, skopeo and CRI-O (the first existing directory wins): ${hidden.join(', ')} there ${hidden.length === 1 ? 'is' : 'are'} no longer read by them.`);
  }

  const dir = dirs.containers ?? {};
  if (pem !== undefined) {
    const twin = twinCa(dir, pem);
    if (twin !== undefined && !samePem(dir['ca.crt'] ?? '', pem)) out.unchanged.push(`${ours}/${twin}`);
    else out.planned.push(planCa(`${ours}/ca.crt`, pem, dir['ca.crt'], hostPort, desired.registry, ctx));
  }
  if (pair !== undefined) {
    for (const [name, content, mode, secret] of [['client.cert', pair.cert, 0o644, false], ['client.key', pair.key, 0o600, true]] as const) {
      out.planned.push(
        planOwnedFile({
          path: `${ours}/${name}`,
          content,
          current: dir[name],
          mode,
          secret,
          journal: ctx.journal,
          registry: desired.registry,
          reason: `the client ${secret ? 'key' : 'certificate'} for ${hostPort}`,
          conflict: () => refused('ERR_CLIENT_CERT_CONFLICT', `${ours}/${name} already holds another client ${secret ? 'key' : 'certificate'}, not installed by regsetup`, 'Move it away (keep a copy) and run join again, or leave out --client-cert/--client-key.'),
        }),
      );
    }
  }
  return out;
}

function planCa(path: string, pem: string, current: string | undefined, hostPort: string, registry: string, ctx: PlanContext): OwnedFilePlan {
  return planOwnedFile({
    path,
    content: pem,
    current,
    mode: 0o644,
    journal: ctx.journal,
    registry,
    same: samePem,
    reason: current === undefined ? `trust the CA ${describePem(pem)} for ${hostPort} (podman, buildah, skopeo, CRI-O)` : `replace the CA regsetup installed with ${describePem(pem)}`,
    conflict: (old) =>
      refused(
        'ERR_CA_CONFLICT',
        `${path} already holds another CA (${describePem(old)}), not installed by regsetup; it will not be replaced with ${describePem(pem)}`,
        'If the new CA is right, move the old file away (keep a copy) and run join again. If the old one is right, pass it with --ca-file or pin it with --ca-fingerprint.',
      ),
  });
}
