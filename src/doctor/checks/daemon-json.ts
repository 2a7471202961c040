import { parseDaemonJson, validateDaemonJson } from '../../core/daemon-json.js';
import { isRegsetupError } from '../../core/errors.js';
import { conflicts } from '../../host/dockerd.js';
import { dockerdCommands } from '../../runtimes/docker/daemon-owner.js';
import { daemonConfigOutcome } from '../../runtimes/docker/verify/daemon-config.js';
import type { Check, DoctorState } from '../ports.js';
import type { Finding } from '../types.js';

const finding = (f: Omit<Finding, 'check' | 'fixable' | 'severity'> & Partial<Pick<Finding, 'severity'>>): Finding => ({ severity: 'error', fixable: false, check: 'daemon-json', ...f });

/**
 * 2. daemon.json parses as dockerd parses it, holds no key that is also a dockerd flag, and
 * agrees with the running daemon (a failed reload is only logged, so the file can say one thing
 * while dockerd does another).
 */
export const daemonJsonCheck: Check = {
  name: 'daemon-json',
  async run(s: DoctorState): Promise<Finding[]> {
    const path = s.daemonJsonPath;
    const text = await s.ports.files.readText(path);
    if (text === undefined) return [];
    let file: Record<string, unknown>;
    try {
      file = parseDaemonJson(text, path);
    } catch (error) {
      if (!isRegsetupError(error)) throw error;
      return [
        finding({
          id: 'daemon-json-malformed',
          seen: error.message,
          cause: `${path} is not strict JSON: dockerd refuses to start with it, and a reload keeps the old settings.`,
          fix: `Fix ${path} by hand at the place named (no comments, no trailing commas), or restore a backup; check with \`python3 -m json.tool ${path}\`.`,
        }),
      ];
    }
    const found: Finding[] = validateDaemonJson(file).map((problem) =>
      finding({
        id: 'daemon-json-invalid',
        seen: `${path}: ${problem}`,
        cause: `${path} holds an entry dockerd refuses, so it would not start (or reload) with this file.`,
        fix: `Correct or remove that entry in ${path}, then reload dockerd (\`${dockerdCommands(s.dockerd).reload}\`).`,
      }),
    );
    for (const hit of conflicts(Object.keys(file), await s.ports.flagSources(s.dockerd))) {
      found.push(
        finding({
          id: 'flag-conflict',
          seen: `${hit.key}: dockerd takes ${hit.flag}${hit.value === undefined ? '' : `=${hit.value}`} from ${hit.source}, and ${path} sets "${hit.key}" too`,
          cause: 'A setting given both as a dockerd flag and in daemon.json stops dockerd from starting, and makes every reload fail ("the following directives are specified both as a flag and in the configuration file").',
          fix: `Keep it in one place: remove ${hit.flag} from ${hit.source}${/systemd/.test(hit.source) ? ' (then `systemctl daemon-reload`)' : ''}, or remove "${hit.key}" from ${path}; then restart dockerd.`,
        }),
      );
    }
    // A remote daemon (no local process) reads another host's file: comparing would mislead.
    if ('info' in s.daemon && s.dockerd && found.length === 0) {
      // The verify suite's own comparison (the one apply confirms with), run against this file and this daemon.
      const outcome = await daemonConfigOutcome({ daemonJsonPath: path, files: s.ports.files, daemon: async () => s.daemon });
      if ('failed' in outcome) {
        const { id, seen, cause, fix } = outcome.failed;
        found.push({ ...finding({ id, seen, cause, fix }), fixable: true, apply: s.ports.fixes.reload() });
      }
    }
    return found;
  },
};
