import { formatFingerprint } from '../../core/fingerprint.js';
import { parseRegistry } from '../../core/registry-name.js';
import { systemClock } from '../../host/clock.js';
import { systemCaPems } from '../../host/tls.js';
import { resolveCa } from '../../join/ca.js';
import type { FixFactory } from '../ports.js';
import type { Fix, PreparedFix } from '../types.js';
import { applyFix, fixDesired, openHost, planFix, planPreview, reloadAndConfirm, type HostIo } from './plan-fix.js';
import { snapshotHost } from '../../join/host.js';

export interface HostFixOptions extends HostIo {
  caFile?: string;
  caUrl?: string;
  caFingerprint?: string;
  trustOnFirstUse: boolean;
}

const journalPush = async (host: Awaited<ReturnType<typeof openHost>>, hostPort: string) =>
  (await snapshotHost(host, [])).journal?.registries[hostPort]?.pushRegistry;

/** A CA learnt from --ca-url or the TLS handshake, shown (subject, validity, SHA-256) before it is installed through plan/apply. */
async function prepareCa(o: HostFixOptions, hostPort: string): Promise<PreparedFix> {
  const host = await openHost(o);
  const desired = fixDesired(hostPort, o, await journalPush(host, hostPort));
  const root = o.root === '/' ? '' : o.root;
  const ca = await resolveCa(desired, parseRegistry(hostPort), { files: host.files, now: systemClock.now, systemPems: await systemCaPems({ root }), note: () => undefined });
  if (ca.pem === undefined || ca.info === undefined) throw new Error(`the system CA store already trusts ${hostPort}; the TLS failure has another cause (run \`regsetup verify ${hostPort}\`)`);
  const plan = await planFix(host, { ...desired, mirrors: [], caPem: ca.pem, caFingerprint: ca.info.fingerprint256 });
  const info = ca.info;
  const pinned = o.caFingerprint !== undefined;
  const preview = [
    `CA from ${ca.source === 'url' ? o.caUrl : ca.source === 'file' ? o.caFile : ca.source === 'handshake' ? `the TLS handshake of ${hostPort}` : ca.source}${pinned ? ' (matches --ca-fingerprint)' : ' (NOT pinned: compare the fingerprint with the registry administrator)'}`,
    `subject:  ${info.subject.replace(/\n/g, ', ')}`,
    `issuer:   ${info.issuer.replace(/\n/g, ', ')}`,
    `valid:    ${info.validFrom.toISOString()} – ${info.validTo.toISOString()}`,
    `SHA-256:  ${formatFingerprint(info.fingerprint256)}`,
    `pin:      --ca-fingerprint ${info.fingerprint256}`,
    ...planPreview(plan),
  ];
  return {
    preview,
    ...(pinned || o.trustOnFirstUse ? {} : { needsOperator: `the CA of ${hostPort} is not pinned; check it and pass --ca-fingerprint ${info.fingerprint256} (or --trust-on-first-use) to install it without a terminal` }),
    apply: () => applyFix(host, plan, o.note),
  };
}

async function prepareInsecure(o: HostFixOptions, hostPort: string): Promise<PreparedFix> {
  const host = await openHost(o);
  const desired = fixDesired(hostPort, { insecure: true }, await journalPush(host, hostPort));
  const plan = await planFix(host, { ...desired, mirrors: [] });
  return {
    preview: planPreview(plan),
    warning: `this turns off TLS for ${hostPort}: images and credentials cross the network unprotected and unauthenticated. Putting TLS in front of the registry is the better fix.`,
    apply: () => applyFix(host, plan, o.note),
  };
}

export function hostFixes(o: HostFixOptions): FixFactory {
  const fix = (key: string, title: string, prepare: () => Promise<PreparedFix>): Fix => ({ key, title, prepare });
  return {
    installCa: (hostPort) => fix(`ca:${hostPort}`, `trust the CA of ${hostPort} (/etc/docker/certs.d/${hostPort}/ca.crt)`, () => prepareCa(o, hostPort)),
    insecure: (hostPort) => fix(`insecure:${hostPort}`, `add ${hostPort} to insecure-registries and reload dockerd`, () => prepareInsecure(o, hostPort)),
    reload: () =>
      fix('reload', 'reload dockerd so it uses what daemon.json says', async () => {
        const host = await openHost(o);
        return {
          preview: [`send SIGHUP to dockerd (pid ${host.dockerd.pid}${host.dockerd.managedBy === 'systemd' ? ', via systemctl reload docker' : ''}): it re-reads ${host.dockerd.configFile}; running containers keep running`, 'then confirm in `docker info` that it took'],
          apply: () => reloadAndConfirm(o),
        };
      }),
  };
}
