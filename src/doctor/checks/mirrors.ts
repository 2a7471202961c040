import { parseDaemonJson } from '../../core/daemon-json.js';
import { diagnose } from '../../core/diagnosis.js';
import { redact } from '../../core/redact.js';
import { hubRepository } from '../../verify/image-ref.js';
import { fixFor } from '../fix-for.js';
import type { Check, DoctorState } from '../ports.js';
import type { Finding } from '../types.js';

async function configuredMirrors(s: DoctorState): Promise<string[]> {
  if ('info' in s.daemon) return s.daemon.info.mirrors;
  try {
    const file = parseDaemonJson((await s.ports.files.readText(s.daemonJsonPath)) ?? '', s.daemonJsonPath);
    return Array.isArray(file['registry-mirrors']) ? (file['registry-mirrors'] as string[]) : [];
  } catch {
    return []; // the daemon-json check reports it
  }
}

/**
 * 6. Each Docker Hub mirror really serves Docker Hub content, asked the way dockerd asks a mirror:
 * anonymously (dockerd never sends a mirror credentials). A mirror that fails costs every pull a
 * silent fallback to Docker Hub — or the pull, where Docker Hub is out of reach.
 */
export const mirrorsCheck: Check = {
  name: 'mirrors',
  async run(s: DoctorState): Promise<Finding[]> {
    const hub = hubRepository(s.hubImage);
    const found: Finding[] = [];
    for (const mirror of await configuredMirrors(s)) {
      let hostPort: string;
      try {
        hostPort = new URL(mirror).host;
      } catch {
        continue; // not a URL: the daemon-json check names it
      }
      let seen: string;
      let status: number | undefined;
      try {
        const head = await s.ports.probeMirror(mirror, hub.path, hub.tag);
        if (head.status === 200) continue;
        status = head.status;
        seen = `the mirror ${mirror} answered HTTP ${head.status} for ${hub.path}:${hub.tag} (asked anonymously, as dockerd asks a mirror)`;
      } catch (error) {
        seen = redact(`the mirror ${mirror} failed for ${hub.path}:${hub.tag}: ${(error as Error).message}`);
      }
      // 404: it is no Docker Hub proxy; 401: no anonymous pull; anything else: its own diagnosis.
      const text = status === 404 ? `${seen}: mirror did not serve it` : seen;
      const d = diagnose({ text, registry: hostPort, step: 'mirror', ...(status === undefined ? {} : { status }), context: { daemonJson: s.daemonJsonPath } });
      const id = d?.id ?? 'mirror-not-serving';
      const apply = fixFor(id, hostPort, s.ports.fixes);
      found.push({
        id,
        severity: 'error',
        registry: hostPort,
        seen,
        cause: d?.cause ?? `${mirror} did not serve ${hub.path}:${hub.tag}.`,
        fix: d?.fix ?? `Check ${mirror} serves Docker Hub images, or remove it from "registry-mirrors" in ${s.daemonJsonPath}.`,
        fixable: apply !== undefined,
        check: 'mirrors',
        ...(apply ? { apply } : {}),
      });
    }
    return found;
  },
};
