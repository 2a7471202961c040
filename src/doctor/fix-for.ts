import type { FixFactory } from './ports.js';
import type { Fix } from './types.js';

/** The fix doctor can make itself for a diagnosis, when there is one. */
export function fixFor(id: string, hostPort: string | undefined, fixes: FixFactory): Fix | undefined {
  switch (id) {
    case 'tls-unknown-authority':
      return hostPort === undefined ? undefined : fixes.installCa(hostPort);
    case 'http-response-to-https':
      return hostPort === undefined ? undefined : fixes.insecure(hostPort);
    case 'daemon-not-reloaded':
      return fixes.reload();
    default:
      return undefined;
  }
}
