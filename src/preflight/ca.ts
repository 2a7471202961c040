import { badInput, refused } from '../core/errors.js';
import { formatFingerprint } from '../core/fingerprint.js';
import { during, type StartProgress } from '../core/progress.js';
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
  /** Shows a fetch or a handshake as it runs (a terminal only); never while a question is asked. */
  progress?: StartProgress;
}

export interface CaDecision {
  /** The CAs to install (several during a rotation), or none when the system store already trusts the registry. */
  pems: string[];
  /** The first of them. */
  info?: CertInfo;
  source: 'file' | 'url' | 'handshake' | 'system' | 'insecure';
  /** Which pin accepted it, and in which form. */
  matched?: { pin: string; form: 'certificate' | 'public key (SPKI)' };
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
    const url = desired.ca.url;
    const res = await during(ports.progress, `fetching the CA from ${url}`, () => httpRequest(url, { tls: { insecureSkipVerify: true }, followRedirects: 3, maxBodyBytes: 1 << 20 }));
    if (res.status !== 200) throw refused('ERR_CA_URL', `--ca-url ${desired.ca.url} answered HTTP ${res.status}`, 'Check the URL in a browser or with curl -k.');
    return { pem: res.body.toString('utf8'), source: 'url' };
  }
  const probe = await during(ports.progress, `reading the CA from the TLS handshake of ${ref.hostPort}`, () => probeTls({ host: ref.host, port: ref.port ?? 443, caPems: [], systemPems: ports.systemPems }));
  if (probe.authorized) return { source: 'system' };
  const picked = pickCaFromChain(probe.chain);
  if (picked.ca === undefined) throw refused('ERR_CA_UNKNOWN', `cannot learn the CA of ${ref.hostPort} from its TLS handshake: ${picked.reason}`, 'Give it with --ca-file or --ca-url.');
  return { pem: picked.ca.pem, source: 'handshake' };
}

/** The pin a certificate matches, by its DER (openssl's fingerprint) or its public key (kubeadm's hash). */
export function pinMatch(info: CertInfo, pins: readonly string[]): CaDecision['matched'] {
  for (const pin of pins) {
    if (pin === info.fingerprint256) return { pin, form: 'certificate' };
    if (pin === info.spki256) return { pin, form: 'public key (SPKI)' };
  }
  return undefined;
}

/**
 * Which CA to install for the registry: from a file, a URL or the handshake; checked to be a CA,
 * current, matching a pin, and actually signing the registry's certificate. A CA file is the
 * operator's explicit choice (as `curl --cacert`); one from a URL or the handshake needs a pin, the
 * operator's yes, or --trust-on-first-use. A pin mismatch always refuses. With several pins (a CA
 * rotation), every certificate of a bundle that matches one is kept.
 */
export async function resolveCa(desired: DesiredState, ref: RegistryRef, ports: CaPorts): Promise<CaDecision> {
  if (desired.insecure) return { pems: [], source: 'insecure' };
  const found = await candidate(desired, ref, ports);
  if (found.pem === undefined) return { pems: [], source: 'system' };
  const pins = desired.ca.fingerprints;
  const pems = loadPemFile(found.pem);
  const checked = pems.map((pem) => ({ pem, ...inspectCaPem(pem, ports.now()) }));
  const usable = checked.filter((c) => c.ok && c.info);
  if (usable.length === 0) {
    const problems = checked[0]?.problems ?? inspectCaPem(found.pem, ports.now()).problems;
    throw refused('ERR_CA_INVALID', `the CA from ${found.source} is not usable: ${problems.join('; ')}`, 'Give the CA certificate itself (PEM, basicConstraints CA:TRUE), not the server certificate.');
  }
  const accepted = pins.length === 0 ? [usable[0]!] : usable.filter((c) => pinMatch(c.info!, pins) !== undefined);
  if (accepted.length === 0) {
    const seen = usable.map((c) => `${c.info!.fingerprint256} (public key ${c.info!.spki256})`).join(', ');
    throw refused(
      'ERR_CA_PIN_MISMATCH',
      `the CA's SHA-256 fingerprint ${seen} does not match --ca-fingerprint ${pins.join(', ')}`,
      'Nothing was changed. Check the pin with the registry administrator: a mismatch can mean an interception.',
    );
  }
  // The registry's certificate must chain to one of them (the others are for after a rotation).
  const probe = await during(ports.progress, `checking that the CA signs the certificate of ${ref.hostPort}`, () => probeTls({ host: ref.host, port: ref.port ?? 443, caPems: accepted.map((c) => c.pem), systemPems: [] }));
  if (!probe.authorized) {
    throw refused('ERR_CA_MISMATCH', `the CA (${accepted.map((c) => c.info!.subject).join('; ')}) does not validate the certificate of ${ref.hostPort}: ${probe.authorizationError}`, 'Check that this is the CA that signed the registry certificate, and that the certificate names this host.');
  }
  const info = accepted[0]!.info!;
  const matched = pinMatch(info, pins);
  if (pins.length === 0 && found.source !== 'file' && !desired.ca.trustOnFirstUse) {
    const question = `Trust this CA for ${ref.hostPort}? ${describeCa(info)}`;
    if (!ports.confirm) {
      throw refused('ERR_CA_UNPINNED', `the CA of ${ref.hostPort} is not pinned: ${describeCa(info)}`, `Pin it with --ca-fingerprint ${info.fingerprint256} after checking it with the registry administrator, or pass --trust-on-first-use.`);
    }
    if (!(await ports.confirm(question))) throw refused('ERR_CA_DECLINED', 'the CA was not accepted; nothing was changed');
  }
  const how = matched ? `, matches the ${matched.form} pin` : found.source === 'file' ? ', from the file given' : '';
  ports.note(`CA for ${ref.hostPort} (${found.source}${how}): ${describeCa(certInfo(accepted[0]!.pem))}`);
  return { pems: accepted.map((c) => c.pem), info, source: found.source, ...(matched ? { matched } : {}) };
}

/** The CA decision in a JSON document (`join`, `plan`): which CA was taken, and which pin matched it, in which form. */
export function caDecisionJson(ca: CaDecision | undefined) {
  if (ca === undefined) return null;
  return {
    source: ca.source,
    subject: ca.info?.subject.replace(/\n/g, ', ') ?? null,
    fingerprint: ca.info?.fingerprint256 ?? null,
    pin: ca.matched?.pin ?? null,
    pinForm: ca.matched === undefined ? null : ca.matched.form === 'certificate' ? ('certificate' as const) : ('public-key' as const),
  };
}
