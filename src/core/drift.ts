import { sha256Hex } from './digest.js';
import { parseDaemonJson } from './daemon-json.js';
import { certsFile, type HostSnapshot } from './host-snapshot.js';
import type { Journal } from './journal.js';
import { normalizeMirrorUrl, parseInsecureEntry } from './registry-name.js';

// `status`: what regsetup manages here and how the host has moved away from it since.

export interface RegistryDrift {
  registry: string;
  pushRegistry?: string;
  joinedAt: string;
  daemonJsonPath: string;
  /** Entries join added that are no longer in daemon.json. */
  missingMirrors: string[];
  missingInsecure: string[];
  files: Array<{ path: string; state: 'ok' | 'missing' | 'changed' }>;
  drifted: boolean;
}

export interface DriftReport {
  registries: RegistryDrift[];
  /** daemon.json could not be read: every entry counts as missing. */
  daemonJsonError?: string;
  drifted: boolean;
}

type DriftSnapshot = Pick<HostSnapshot, 'daemonJsonPath' | 'daemonJsonText' | 'certsDir' | 'existingCaFiles'>;

const canon = (fn: (s: string) => string, entry: string) => {
  try {
    return fn(entry).toLowerCase();
  } catch {
    return entry;
  }
};

export function driftReport(journal: Journal, snapshot: DriftSnapshot): DriftReport {
  let daemon: Record<string, unknown> = {};
  let daemonJsonError: string | undefined;
  try {
    daemon = parseDaemonJson(snapshot.daemonJsonText ?? '', snapshot.daemonJsonPath);
  } catch (error) {
    daemonJsonError = (error as Error).message;
  }
  const list = (key: string, fn: (s: string) => string) =>
    new Set((Array.isArray(daemon[key]) ? (daemon[key] as unknown[]) : []).filter((v): v is string => typeof v === 'string').map((v) => canon(fn, v)));
  const mirrors = list('registry-mirrors', normalizeMirrorUrl);
  const insecure = list('insecure-registries', parseInsecureEntry);

  const registries = Object.values(journal.registries)
    .sort((a, b) => a.registry.localeCompare(b.registry))
    .map((entry): RegistryDrift => {
      const missingMirrors = entry.added.mirrors.filter((m) => !mirrors.has(canon(normalizeMirrorUrl, m)));
      const missingInsecure = entry.added.insecure.filter((h) => !insecure.has(canon(parseInsecureEntry, h)));
      const files = entry.files.map((file) => {
        const current = certsFile(snapshot, file.path);
        const state = current === undefined ? 'missing' : sha256Hex(current) === file.sha256 ? 'ok' : 'changed';
        return { path: file.path, state } as const;
      });
      const drifted = missingMirrors.length + missingInsecure.length > 0 || files.some((f) => f.state !== 'ok');
      return {
        registry: entry.registry,
        ...(entry.pushRegistry === undefined ? {} : { pushRegistry: entry.pushRegistry }),
        joinedAt: entry.joinedAt,
        daemonJsonPath: entry.daemonJsonPath,
        missingMirrors,
        missingInsecure,
        files,
        drifted,
      };
    });
  return {
    registries,
    ...(daemonJsonError === undefined ? {} : { daemonJsonError }),
    drifted: daemonJsonError !== undefined || registries.some((r) => r.drifted),
  };
}
