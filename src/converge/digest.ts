import { sha256Hex } from '../core/digest.js';
import type { ResolvedDesired } from '../core/plan-types.js';
import type { RuntimeSession } from '../runtimes/types.js';

/**
 * A digest of what a join asked for, once resolved (CA bytes, mirrors, flags) and of the runtime
 * sessions it configured; never of a secret. The journal keeps it: a later join with the same
 * digest, whose files still hash as recorded, is a no-op candidate without network work.
 */
export function desiredDigest(resolved: ResolvedDesired, sessions: readonly Pick<RuntimeSession, 'id'>[]): string {
  // Credentials are checked on their own (the helper's store is compared before storing): they are not the desired files.
  const { plaintextAuth, clientCert, ...rest } = resolved;
  const shape = {
    ...rest,
    credentialHelper: undefined,
    ...(clientCert ? { clientCert: { cert: sha256Hex(clientCert.cert), key: sha256Hex(clientCert.key) } } : {}),
    plaintextAuth: plaintextAuth ? sha256Hex(`${plaintextAuth.username}\0${plaintextAuth.password}`) : undefined,
    runtimes: sessions.map((s) => s.id).sort(),
  };
  return `sha256:${sha256Hex(JSON.stringify(shape))}`;
}
