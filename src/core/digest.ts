import { createHash } from 'node:crypto';
import { formatFingerprint } from './fingerprint.js';

// Hashing is pure computation, so core may do it: the journal identifies the files it
// installed by content, and a CA is named to users by the fingerprint openssl prints.

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

const PEM_CERT = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/g;

/** The DER bytes of every certificate in a PEM text, in order. */
export function pemCertificates(pem: string): Buffer[] {
  return [...pem.matchAll(PEM_CERT)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

/** Same certificates, whatever the line wrapping, line endings or text around them. */
export function samePem(a: string, b: string): boolean {
  const [x, y] = [pemCertificates(a), pemCertificates(b)];
  if (x.length === 0 || y.length === 0) return a === b;
  return x.length === y.length && x.every((der, i) => der.equals(y[i]!));
}

/** "sha256:AB:CD:…" of the first certificate, for messages; the file hash when it holds none. */
export function describePem(pem: string): string {
  const der = pemCertificates(pem)[0];
  if (der === undefined) return `no PEM certificate (file sha256 ${sha256Hex(pem)})`;
  return `sha256:${formatFingerprint(sha256Hex(der))}`;
}
