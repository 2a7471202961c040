import { diagnose } from '../../core/diagnosis.js';
import { redact } from '../../core/redact.js';
import type { DockerdProcess } from '../../host/dockerd.js';
import { dockerdCommands } from '../../runtimes/docker/daemon-owner.js';
import { layoutOf } from '../../runtimes/docker/layout.js';
import type { Check, DoctorState } from '../ports.js';
import type { Finding } from '../types.js';

const finding = (f: Omit<Finding, 'check' | 'fixable'>): Finding => ({ fixable: false, check: 'dockerd', ...f });

/** The dockerds this run does not look at, each with how to look at it (docs/architecture.md "Docker variants"). */
function others(list: DockerdProcess[]): Finding[] {
  return list.map((d) => {
    const { label } = layoutOf(d);
    const who = d.user ?? `uid ${d.uid}`;
    const theirs = d.variant === 'rootless';
    return finding({
      id: 'dockerd-not-checked',
      severity: 'info',
      seen: `${label} (pid ${d.pid}) runs here too, with ${d.configFile} and ${d.certsDir}`,
      cause: theirs ? `doctor checks the dockerd this user configures; ${who}'s rootless dockerd, its files, journal and credentials are ${who}'s.` : 'doctor checks one dockerd per run: the one this user configures.',
      fix: theirs ? `Run \`regsetup doctor\` as ${who} (e.g. \`sudo -iu ${d.user ?? `'#${d.uid}'`} regsetup doctor\`, with XDG_RUNTIME_DIR=${d.runtimeDir ?? `/run/user/${d.uid}`}).` : `Run \`regsetup doctor --docker-host unix://${d.socket}\` to check it.`,
    });
  });
}

/** 1. The daemon answers, and it runs here (doctor reads its config file and flags from /proc). */
export const dockerdCheck: Check = {
  name: 'dockerd',
  async run(s: DoctorState): Promise<Finding[]> {
    const rest = others(await s.ports.otherDockerds());
    // A containerd (or podman) node without Docker: nothing of Docker's to check.
    if (!s.dockerHere) return rest;
    const commands = dockerdCommands(s.dockerd);
    if ('error' in s.daemon) {
      const seen = redact(s.daemon.error.message);
      const found = diagnose({ text: seen, step: 'dockerd' });
      const running = s.dockerd ? ` A dockerd process runs (pid ${s.dockerd.pid}), so it is not answering at the address used.` : '';
      return [
        finding({
          id: found?.id ?? 'daemon-unreachable',
          severity: 'error',
          seen,
          cause: `${found?.cause ?? 'The Docker daemon does not answer.'}${running}`,
          fix: found?.fix.replace(/regsetup verify <registry>/, 'regsetup doctor').replace(/systemctl start docker/, commands.start).replace(/journalctl -u docker/, commands.log) ?? `Start dockerd (\`${commands.start}\`) and run \`regsetup doctor\` again.`,
        }),
        ...rest,
      ];
    }
    if (!s.dockerd) {
      return [
        finding({
          id: 'dockerd-not-local',
          severity: 'warning',
          seen: 'the Docker API answers, but no dockerd process runs on this host',
          cause: 'doctor talks to a remote daemon (DOCKER_HOST / --docker-host): it cannot read that daemon\'s daemon.json, flags or certs.d, nor fix them.',
          fix: 'Run `regsetup doctor` on the Docker host itself.',
        }),
        ...rest,
      ];
    }
    return rest;
  },
};
