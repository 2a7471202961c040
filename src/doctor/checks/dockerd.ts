import { diagnose } from '../../core/diagnosis.js';
import { redact } from '../../core/redact.js';
import type { Check, DoctorState } from '../ports.js';
import type { Finding } from '../types.js';

/** 1. The daemon answers, and it runs here (doctor reads its config file and flags from /proc). */
export const dockerdCheck: Check = {
  name: 'dockerd',
  async run(s: DoctorState): Promise<Finding[]> {
    if ('error' in s.daemon) {
      const seen = redact(s.daemon.error.message);
      const found = diagnose({ text: seen, step: 'dockerd' });
      const running = s.dockerd ? ` A dockerd process runs (pid ${s.dockerd.pid}), so it is not answering at the address used.` : '';
      return [
        {
          id: found?.id ?? 'daemon-unreachable',
          severity: 'error',
          seen,
          cause: `${found?.cause ?? 'The Docker daemon does not answer.'}${running}`,
          fix: found?.fix.replace(/regsetup verify <registry>/, 'regsetup doctor') ?? 'Start dockerd (`systemctl start docker`) and run `regsetup doctor` again.',
          fixable: false,
          check: 'dockerd',
        },
      ];
    }
    if (!s.dockerd) {
      return [
        {
          id: 'dockerd-not-local',
          severity: 'warning',
          seen: 'the Docker API answers, but no dockerd process runs on this host',
          cause: 'doctor talks to a remote daemon (DOCKER_HOST / --docker-host): it cannot read that daemon\'s daemon.json, flags or certs.d, nor fix them.',
          fix: 'Run `regsetup doctor` on the Docker host itself.',
          fixable: false,
          check: 'dockerd',
        },
      ];
    }
    return [];
  },
};
