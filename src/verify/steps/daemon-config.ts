import { parseDaemonJson } from '../../core/daemon-json.js';
import { normalizeMirrorUrl, parseInsecureEntry } from '../../core/registry-name.js';
import { isInsecure } from '../insecure.js';
import { daemonInfo, type VerifyState } from '../state.js';
import type { Step } from '../types.js';

/** 7. What the running daemon uses (`docker info`) against what daemon.json says: a failed reload is only logged by dockerd. */
export const daemonConfig: Step<VerifyState> = {
  name: 'daemon-config',
  async run(s) {
    const info = daemonInfo(s);
    const path = s.input.daemonJsonPath;
    const text = await s.ports.files.readText(path);
    if (text === undefined) return { detail: `${path} does not exist; the daemon runs on defaults` };
    const file = parseDaemonJson(text, path);
    const problems: string[] = [];
    const fileMirrors = Array.isArray(file['registry-mirrors']) ? (file['registry-mirrors'] as string[]).map(normalizeMirrorUrl) : undefined;
    if (fileMirrors) {
      const live = info.mirrors.map(normalizeMirrorUrl);
      const missing = fileMirrors.filter((m) => !live.includes(m));
      const extra = live.filter((m) => !fileMirrors.includes(m));
      if (missing.length) problems.push(`registry-mirrors ${missing.join(', ')} in ${path} but not in the running daemon`);
      if (extra.length) problems.push(`the running daemon still mirrors ${extra.join(', ')}, which ${path} no longer lists`);
    }
    const fileInsecure = Array.isArray(file['insecure-registries']) ? (file['insecure-registries'] as string[]).map(parseInsecureEntry) : [];
    for (const entry of fileInsecure) {
      const live = entry.includes('/') ? info.insecureRegistryCidrs.includes(entry) : isInsecure(entry, [], info, []);
      if (!live) problems.push(`insecure-registries ${entry} in ${path} but not in the running daemon`);
    }
    if (problems.length > 0) {
      return {
        failed: {
          id: 'daemon-not-reloaded',
          seen: problems.join('; '),
          cause: `The running dockerd does not use what ${path} says: it was not reloaded since the file changed, or the reload failed (dockerd only logs "Error reloading configuration").`,
          fix: 'Reload it: `systemctl reload docker` (or `kill -HUP $(pidof dockerd)`), then look for "reload" errors in `journalctl -u docker` or the dockerd log; `regsetup join` reloads and confirms for you.',
        },
      };
    }
    return { detail: `mirrors [${info.mirrors.join(', ')}] and ${fileInsecure.length} insecure entr${fileInsecure.length === 1 ? 'y' : 'ies'} match ${path}` };
  },
};
