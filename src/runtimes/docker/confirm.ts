import { parseDaemonJson } from '../../core/daemon-json.js';
import type { DaemonJsonOptions } from '../../core/daemon-json-encoding.js';
import { normalizeMirrorUrl, parseInsecureEntry } from '../../core/registry-name.js';
import type { Clock, Sleep } from '../../host/clock.js';
import type { DockerApi, DockerInfo } from '../../host/docker-api.js';

// A failed SIGHUP reload is only logged by dockerd, which keeps its old settings: the
// only proof a change "took" is the daemon's own view of it in `docker info`.

export interface Expected {
  /** The whole mirror list, normalised; undefined when daemon.json has no such key (then unchanged on reload). */
  mirrors?: string[];
  /** host[:port] entries that must show as insecure, and those that must no longer. */
  insecureHosts: string[];
  insecureCidrs: string[];
  secureAgain: string[];
}

const isCidr = (entry: string) => entry.includes('/');
const canon = (fn: (s: string) => string, entry: string): string => {
  try {
    return fn(entry);
  } catch {
    return entry;
  }
};

function insecureList(obj: Record<string, unknown>): string[] | undefined {
  const value = obj['insecure-registries'];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string').map((v) => canon(parseInsecureEntry, v)) : undefined;
}

/** What `docker info` must show once dockerd has read `after` (having run with `before`). */
export function expectedFrom(before: string | Uint8Array | undefined, after: string | Uint8Array, options: DaemonJsonOptions = {}): Expected {
  const now = parseDaemonJson(after, 'daemon.json', options);
  const was = before === undefined ? {} : parseDaemonJson(before, 'daemon.json', options);
  const mirrors = now['registry-mirrors'];
  const insecure = insecureList(now) ?? [];
  return {
    ...(Array.isArray(mirrors) ? { mirrors: [...new Set(mirrors.map((m) => canon(normalizeMirrorUrl, String(m))))].sort() } : {}),
    insecureHosts: insecure.filter((e) => !isCidr(e)),
    insecureCidrs: insecure.filter(isCidr),
    // Only when the key is present: an absent key leaves dockerd's setting as it was.
    secureAgain: insecureList(now) === undefined ? [] : (insecureList(was) ?? []).filter((e) => !isCidr(e) && !insecure.includes(e)),
  };
}

/** What differs between the daemon's view and the expectation; empty when it took. */
export function mismatches(info: DockerInfo, expected: Expected): string[] {
  const problems: string[] = [];
  if (expected.mirrors !== undefined) {
    const live = [...new Set(info.mirrors.map((m) => canon(normalizeMirrorUrl, m)))].sort();
    if (live.join(' ') !== expected.mirrors.join(' ')) {
      problems.push(`mirrors are [${live.join(', ')}], expected [${expected.mirrors.join(', ')}]`);
    }
  }
  // dockerd keys IndexConfigs by the entry as written; compare without case.
  const index = new Map(Object.entries(info.indexConfigs).map(([name, config]) => [name.toLowerCase(), config]));
  for (const host of expected.insecureHosts) {
    if (index.get(host.toLowerCase())?.secure !== false) problems.push(`${host} is not an insecure registry yet`);
  }
  const cidrs = new Set(info.insecureRegistryCidrs.map((c) => c.toLowerCase()));
  for (const cidr of expected.insecureCidrs) if (!cidrs.has(cidr)) problems.push(`${cidr} is not an insecure network yet`);
  for (const host of expected.secureAgain) {
    if (index.get(host.toLowerCase())?.secure === false) problems.push(`${host} is still an insecure registry`);
  }
  return problems;
}

/**
 * Poll `docker info` until it shows the expectation. Resolves with undefined when it took,
 * or with what was wrong at the deadline (the daemon's refusal, or that it did not answer).
 */
export async function confirmDaemon(
  docker: Pick<DockerApi, 'info'>,
  expected: Expected,
  options: { clock: Clock; sleep: Sleep; timeoutMs: number; pollMs?: number },
): Promise<string | undefined> {
  const { clock, sleep, timeoutMs, pollMs = 250 } = options;
  const deadline = clock.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const problems = mismatches(await docker.info(), expected);
      if (problems.length === 0) return undefined;
      last = problems.join('; ');
    } catch (error) {
      last = `dockerd did not answer: ${(error as Error).message}`;
    }
    if (clock.now() >= deadline) return `${last} after ${Math.round(timeoutMs / 100) / 10} s`;
    await sleep(pollMs);
  }
}
