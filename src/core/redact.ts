// Secrets must never reach a terminal, a log or a JSON document. Registered secrets
// (passwords read at run time) are replaced wherever they appear, and so are the usual
// carriers of credentials: URL userinfo, Authorization headers, auth/token JSON fields.
const secrets = new Set<string>();

/** Remember a secret (and its base64 forms) so every later redact() hides it. */
export function registerSecret(secret: string, username?: string): void {
  if (secret.length < 3) return;
  secrets.add(secret);
  secrets.add(Buffer.from(secret).toString('base64'));
  if (username !== undefined) secrets.add(Buffer.from(`${username}:${secret}`).toString('base64'));
}

const patterns: Array<[RegExp, string]> = [
  // scheme://user:password@host — greedy up to the last "@", so a password holding one leaks
  // nothing; bounded, so a long line cannot make the match slow.
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]{1,256}:[^/\s]{0,256}@/gi, '$1***@'],
  // user:password@host without a scheme (a registry given as one); not image@sha256:… digests.
  // eslint-disable-next-line no-control-regex -- a control character can stand right before the user
  [/(^|[\s"'`(<[=,;\u0000-\u001f\u007f-\u009f])[^\s/:@"'`<>\u0000-\u001f\u007f-\u009f]{1,256}:(?!\/\/)[^\s"'`<>]{0,256}@(?!sha(?:256|384|512):)(?=[\w[])/gi, '$1***@'],
  [/\b(authorization:\s*(?:basic|bearer)\s+)[^\s"']+/gi, '$1***'],
  [/("(?:auth|password|secret|identitytoken|token|access_token|refresh_token|registrytoken)"\s*:\s*")[^"]*"/gi, '$1***"'],
  [/\b((?:password|passwd|secret)=)[^\s&]+/gi, '$1***'],
];

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement);
  return out;
}

// C0 and C1 controls (ESC starts an ANSI sequence; 0x9b is CSI on its own) and the bidi
// overrides that make text read in another order than it is written. Newline and tab stay.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\r': '\\r', '\u001b': '\\e' };

/** Text a terminal shows as written: control characters as visible escapes (\e[31m, \x07, \u202e). */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

/** A JSON document with the controls JSON.stringify leaves raw (0x7f–0x9f, bidi) escaped too. */
export function printableJson(json: string): string {
  return json.replace(/[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
