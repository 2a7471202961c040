import { badInput } from './errors.js';

// A CA pin is the SHA-256 of the certificate's DER bytes, which is what
// `openssl x509 -noout -fingerprint -sha256 -in ca.crt` prints. Users paste it in
// whatever shape they have it; we keep one canonical form: sha256:<64 lowercase hex>.

const HOW = 'Get it with `openssl x509 -noout -fingerprint -sha256 -in ca.crt` and pass it as sha256:<hex>.';

export function normalizeFingerprint(pin: string): string {
  const bad = (why: string, hint = HOW) => badInput('ERR_BAD_FINGERPRINT', `"${pin}" is not a SHA-256 fingerprint: ${why}`, hint);
  const text = pin.trim();
  // "sha256//<base64>" is curl's public-key pin: a hash of the key, not of the certificate.
  if (/^sha256\/\//i.test(text)) throw bad('it is a public-key pin (sha256//base64), not a certificate fingerprint');
  const body = text.replace(/^sha-?256\s*fingerprint\s*=\s*/i, '').replace(/^sha-?256:/i, '');
  const hex = /^[0-9a-f]{2}(?::[0-9a-f]{2})*$/i.test(body) ? body.replace(/:/g, '') : body;
  if (!/^[0-9a-f]*$/i.test(hex)) throw bad('expected hex digits, optionally in colon-separated pairs');
  if (hex.length === 40) throw bad('it has 40 hex digits, which is a SHA-1 fingerprint', `Use -sha256. ${HOW}`);
  if (hex.length !== 64) throw bad(`expected 64 hex digits, got ${hex.length}`);
  return `sha256:${hex.toLowerCase()}`;
}

/** Both sides are normalized first; an invalid one throws rather than silently not matching. */
export const fingerprintsEqual = (a: string, b: string): boolean => normalizeFingerprint(a) === normalizeFingerprint(b);

/** "AB:CD:…" as openssl prints it, for showing next to what the user typed. */
export function formatFingerprint(hex: string): string {
  const bare = normalizeFingerprint(hex).slice('sha256:'.length).toUpperCase();
  return bare.match(/../g)!.join(':');
}
