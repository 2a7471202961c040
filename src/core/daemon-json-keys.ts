import * as z from 'zod';
import { badInput } from './errors.js';
import { normalizeMirrorUrl, parseInsecureEntry } from './registry-name.js';

// What dockerd accepts in the keys regsetup writes (zod, as for every file we parse).

const mirrorUrl = z.string().refine((s) => succeeds(() => normalizeMirrorUrl(s)), {
  message: 'not a mirror URL (http/https, no user info, query or fragment)',
});
const insecureEntry = z.string().refine((s) => succeeds(() => parseInsecureEntry(s)), {
  message: 'not a host[:port] or a CIDR',
});

/** The keys regsetup writes; every other key passes through untouched. */
export const daemonJsonKeysSchema = z.looseObject({
  'registry-mirrors': z.array(mirrorUrl).optional(),
  'insecure-registries': z.array(insecureEntry).optional(),
});

function succeeds(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}

/** Problems with the keys regsetup manages, as "key[index]: message" lines; empty when fine. */
export function validateDaemonJson(obj: unknown): string[] {
  const result = daemonJsonKeysSchema.safeParse(obj);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const [key, ...rest] = issue.path.map(String);
    const where = key === undefined ? 'daemon.json' : `${key}${rest.map((p) => `[${p}]`).join('')}`;
    return `${where}: ${issue.message}`;
  });
}

export function assertValidDaemonJson(obj: unknown, source = 'daemon.json'): void {
  const problems = validateDaemonJson(obj);
  if (problems.length > 0) {
    throw badInput('ERR_DAEMON_JSON_INVALID', `${source} has entries dockerd would refuse:\n  ${problems.join('\n  ')}`);
  }
}
