import { formatFingerprint } from '../../core/fingerprint.js';
import type { FixFactory } from '../ports.js';
import type { Fix, PreparedFix } from '../types.js';
import { applyFix, dockerSessionOf, fixDesired, fixHost, journalPush, planPreview, prepareFix, reloadAndConfirm, type HostIo } from './plan-fix.js';

export interface HostFixOptions extends HostIo {
  caFile?: string;
  caUrl?: string;
  caFingerprint?: string[];
  trustOnFirstUse: boolean;
}

/** A CA learnt from --ca-url or the TLS handshake, shown (subject, validity, SHA-256) before it is installed through join's path. */
async function prepareCa(o: HostFixOptions, hostPort: string): Promise<PreparedFix> {
  const host = fixHost(o);
  const desired = fixDesired(hostPort, o, await journalPush(host, hostPort));
  const prepared = await prepareFix(host, desired);
  const ca = prepared.preflight!.ca;
  if (ca.info === undefined) throw new Error(`the system CA store already trusts ${hostPort}; the TLS failure has another cause (run \`regsetup verify ${hostPort}\`)`);
  const info = ca.info;
  const pinned = (o.caFingerprint ?? []).length > 0;
  const preview = [
    `CA from ${ca.source === 'url' ? o.caUrl : ca.source === 'file' ? o.caFile : ca.source === 'handshake' ? `the TLS handshake of ${hostPort}` : ca.source}${pinned ? ' (matches --ca-fingerprint)' : ' (NOT pinned: compare the fingerprint with the registry administrator)'}`,
    `subject:  ${info.subject.replace(/\n/g, ', ')}`,
    `issuer:   ${info.issuer.replace(/\n/g, ', ')}`,
    `valid:    ${info.validFrom.toISOString()} – ${info.validTo.toISOString()}`,
    `SHA-256:  ${formatFingerprint(info.fingerprint256)}`,
    `pin:      --ca-fingerprint ${info.fingerprint256}`,
    ...planPreview(prepared),
  ];
  return {
    preview,
    ...(pinned || o.trustOnFirstUse ? {} : { needsOperator: `the CA of ${hostPort} is not pinned; check it and pass --ca-fingerprint ${info.fingerprint256} (or --trust-on-first-use) to install it without a terminal` }),
    apply: () => applyFix(host, prepared, o.note),
  };
}

async function prepareInsecure(o: HostFixOptions, hostPort: string): Promise<PreparedFix> {
  const host = fixHost(o);
  const prepared = await prepareFix(host, fixDesired(hostPort, { insecure: true }, await journalPush(host, hostPort)));
  return {
    preview: planPreview(prepared),
    warning: `this turns off TLS for ${hostPort}: images and credentials cross the network unprotected and unauthenticated. Putting TLS in front of the registry is the better fix.`,
    apply: () => applyFix(host, prepared, o.note),
  };
}

export function hostFixes(o: HostFixOptions): FixFactory {
  const certsDir = o.docker?.layout.certsDir ?? '/etc/docker/certs.d';
  const label = o.docker?.layout.label ?? 'dockerd';
  const fix = (key: string, title: string, prepare: () => Promise<PreparedFix>): Fix => ({ key, title, prepare });
  return {
    installCa: (hostPort) => fix(`ca:${hostPort}`, `trust the CA of ${hostPort} (${certsDir}/${hostPort}/ca.crt)`, () => prepareCa(o, hostPort)),
    insecure: (hostPort) => fix(`insecure:${hostPort}`, `add ${hostPort} to insecure-registries and reload ${label}`, () => prepareInsecure(o, hostPort)),
    reload: () =>
      fix('reload', `reload ${label} so it uses what daemon.json says`, async () => {
        const docker = await dockerSessionOf(fixHost(o), o.docker?.id);
        const d = docker.dockerd!;
        const how = d.signalPid === d.pid ? `dockerd (pid ${d.pid})` : `rootlesskit (pid ${d.signalPid}), which passes it to dockerd (pid ${d.pid})`;
        return {
          preview: [`send SIGHUP to ${how}${d.managedBy === 'systemd' ? ', via systemctl reload docker' : ''}: it re-reads ${d.configFile}; running containers keep running`, 'then confirm in `docker info` that it took'],
          apply: () => reloadAndConfirm(o),
        };
      }),
  };
}
