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
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, '$1***@'],
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
