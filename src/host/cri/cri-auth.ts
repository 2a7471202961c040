import { badInput } from '../../core/errors.js';
import { registerSecret } from '../../core/redact.js';

/**
 * Credentials for one CRI pull, as kubelet passes them (containerd keeps none of its own for
 * CRI). containerd's ParseAuth takes username/password first, then identityToken, then `auth`
 * (base64 "user:password").
 */
export type CriAuth = ({ username: string; password: string } | { auth: string } | { identityToken: string }) & {
  /**
   * Limits the credentials to one host. containerd compares it with url.Parse(serverAddress).Host
   * for every host it tries (mirrors included) and silently pulls anonymously on a mismatch, so
   * it must be a URL; kubelet leaves it empty for credential-provider credentials.
   */
  serverAddress?: string;
};

/** The wire AuthConfig (camelCase field names of the generated descriptor). */
export interface AuthConfigMessage {
  username: string;
  password: string;
  auth: string;
  serverAddress: string;
  identityToken: string;
}

export function authConfig(auth: CriAuth): AuthConfigMessage {
  const address = auth.serverAddress ?? '';
  if (address !== '' && !/^https?:\/\/[^/]+/.test(address)) {
    throw badInput('ERR_CRI_AUTH_ADDRESS', `serverAddress "${address}" is not a URL`, 'Give it as https://host[:port]: containerd would drop the credentials for a bare host.');
  }
  // containerd's errors can quote what it was given ("invalid decoded auth: %q"): every form
  // of the secret is registered before anything is sent, so no message can carry it.
  const message: AuthConfigMessage = { username: '', password: '', auth: '', serverAddress: address, identityToken: '' };
  if ('username' in auth) {
    registerSecret(auth.password, auth.username);
    return { ...message, username: auth.username, password: auth.password };
  }
  if ('identityToken' in auth) {
    registerSecret(auth.identityToken);
    return { ...message, identityToken: auth.identityToken };
  }
  registerSecret(auth.auth);
  const decoded = Buffer.from(auth.auth, 'base64').toString('utf8');
  registerSecret(decoded);
  const colon = decoded.indexOf(':');
  if (colon > 0) registerSecret(decoded.slice(colon + 1), decoded.slice(0, colon));
  return { ...message, auth: auth.auth };
}
