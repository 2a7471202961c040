import { badInput, refused } from '../core/errors.js';
import { fingerprintsEqual, formatFingerprint } from '../core/fingerprint.js';
import type { RegistryRef } from '../core/registry-name.js';
import type { DesiredState } from '../core/desired-state.js';
import { httpRequest } from '../host/http.js';
import { certInfo, inspectCaPem, loadPemFile, pickCaFromChain, probeTls, type CertInfo } from '../host/tls.js';
import type { Files } from '../host/files.js';

export interface CaPorts {
  files: Files;
  now: () => number;
  systemPems: string[];
  /** Asks the operator; undefined when there is nobody to ask (no TTY, --yes, --json). */
  confirm?: (question: string) => Promise<boolean>;
  note: (line: string) => void;
}

export interface CaDecision {
  /** The CA to install, or none when the system store already trusts the registry. */
  pem?: string;
  info?: CertInfo;
  source: 'file' | 'url' | 'handshake' | 'system' | 'insecure';
}

export const describeCa = (info: CertInfo): string =>
  `subject ${info.subject.replace(/\n/g, ', ')}; valid ${info.validFrom.toISOString()} – ${info.validTo.toISOString()}; SHA-256 ${formatFingerprint(info.fingerprint256.slice(7))}`;

async function candidate(desired: DesiredState, ref: RegistryRef, ports: CaPorts): Promise<{ pem?: string; source: CaDecision['source'] }> {
  if (desired.ca.file !== undefined) {
    const text = await ports.files.readText(desired.ca.file);
    if (text === undefined) throw badInput('ERR_CA_FILE', `--ca-file ${desired.ca.file} does not exist or cannot be read`);
    return { pem: text, source: 'file' };
  }
  if (desired.ca.url !== undefined) {
    // Fetched without trust on purpose: nothing is trusted yet. The pin (or the operator) decides.
    const res = await httpRequest(desired.ca.url, { tls: { insecureSkipVerify: true }, followRedirects: 3, maxBodyBytes: 1 << 20 });
    if (res.status !== 200) throw refused('ERR_CA_URL', `--ca-url ${desired.ca.url} answered HTTP ${res.status}`, 'Check the URL in a browser or with curl -k.');
    return { pem: res.body.toString('utf8'), source: 'url' };
  }
  const probe = await probeTls({ host: ref.host, port: ref.port ?? 443, caPems: [], systemPems: ports.systemPems });
  if (probe.authorized) return { source: 'system' };
  const picked = pickCaFromChain(probe.chain);
  if (picked.ca === undefined) throw refused('ERR_CA_UNKNOWN', `cannot learn the CA of ${ref.hostPort} from its TLS handshake: ${picked.reason}`, 'Give it with --ca-file or --ca-url.');
  return { pem: picked.ca.pem, source: 'handshake' };
}

/**
 * Which CA to install for the registry: from a file, a URL or the handshake; checked to be a CA,
 * current, matching the pin, and actually signing the registry's certificate. An unpinned CA
 * needs the operator's yes (or --trust-on-first-use); a pin mismatch always refuses.
 */
export async function resolveCa(desired: DesiredState, ref: RegistryRef, ports: CaPorts): Promise<CaDecision> {
  if (desired.insecure) return { source: 'insecure' };
  const found = await candidate(desired, ref, ports);
  if (found.pem === undefined) return { source: 'system' };
  const pems = loadPemFile(found.pem);
  const checked = inspectCaPem(found.pem, ports.now());
  if (!checked.ok || !checked.info) throw refused('ERR_CA_INVALID', `the CA from ${found.source} is not usable: ${checked.problems.join('; ')}`, 'Give the CA certificate itself (PEM, basicConstraints CA:TRUE), not the server certificate.');
  const info = checked.info;
  const pin = desired.ca.fingerprint;
  if (pin !== undefined && !fingerprintsEqual(pin, info.fingerprint256)) {
    throw refused('ERR_CA_PIN_MISMATCH', `the CA's SHA-256 fingerprint ${info.fingerprint256} does not match --ca-fingerprint ${pin}`, 'Nothing was changed. Check the pin with the registry administrator: a mismatch can mean an interception.');
  }
  const probe = await probeTls({ host: ref.host, port: ref.port ?? 443, caPems: [pems[0]!], systemPems: [] });
  if (!probe.authorized) {
    throw refused('ERR_CA_MISMATCH', `the CA (${info.subject}) does not validate the certificate of ${ref.hostPort}: ${probe.authorizationError}`, 'Check that this is the CA that signed the registry certificate, and that the certificate names this host.');
  }
  if (pin === undefined && !desired.ca.trustOnFirstUse) {
    const question = `Trust this CA for ${ref.hostPort}? ${describeCa(info)}`;
    if (!ports.confirm) {
      throw refused('ERR_CA_UNPINNED', `the CA of ${ref.hostPort} is not pinned: ${describeCa(info)}`, `Pin it with --ca-fingerprint ${info.fingerprint256} after checking it with the registry administrator, or pass --trust-on-first-use.`);
    }
    if (!(await ports.confirm(question))) throw refused('ERR_CA_DECLINED', 'the CA was not accepted; nothing was changed');
  }
  ports.note(`CA for ${ref.hostPort} (${found.source}): ${describeCa(certInfo(pems[0]!))}`);
  return { pem: pems[0]!, info, source: found.source };
}
