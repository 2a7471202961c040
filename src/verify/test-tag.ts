import { randomBytes } from 'node:crypto';
import { clientFor, type VerifyState } from './state.js';

// The tag a push round trip pushes and deletes again, whichever runtime pushed it.

/** A tag no other run uses: time for humans, randomness for two nodes verifying in the same second. */
export function uniqueTag(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `verify-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Delete the test tag through the registry API; says what happened, in words for the step's detail. */
export async function deleteTestTag(s: VerifyState, digest: string): Promise<string> {
  const { pushRegistry, pushRepo } = s.input;
  const result = await clientFor(s, pushRegistry).deleteManifest(pushRepo, digest).catch((error: Error) => ({ deleted: false, status: 0, reason: error.message }));
  return result.deleted
    ? 'test tag deleted'
    : `the registry refused to delete the test tag (${result.reason ?? `HTTP ${result.status}`}): ${pushRepo}@${digest} is left behind`;
}
