import type { RestartPolicy } from '../../core/desired-state.js';
import type { Activation } from '../../core/plan-types.js';
import type { ContainersSnapshot } from './snapshot.js';

// podman, buildah and skopeo are processes: each one reads registries.conf, certs.d and the auth
// files when it starts, so there is nobody to tell. CRI-O is a daemon that caches the registries
// configuration: SIGHUP makes it parse it again (crio.conf(5); pkg/config/reload.go
// ReloadRegistries, which logs "system registries reload failed" and keeps the old set on error).
// certs.d and the auth files it reads at every pull (docker_client.go newDockerClient).

export interface ActivationDecision {
  activation: Activation;
  detail?: string;
  warnings: string[];
}

export function activationFor(snapshot: ContainersSnapshot, dropInChanged: boolean, policy: RestartPolicy): ActivationDecision {
  if (!snapshot.crio.running) return { activation: 'none', detail: 'podman, buildah and skopeo read these files at every command', warnings: [] };
  if (!dropInChanged) return { activation: 'none', detail: 'CRI-O reads certs.d and the auth files at every pull', warnings: [] };
  if (policy === 'never') {
    return { activation: 'none', warnings: ['CRI-O is not told (--restart never): it uses the new registries only after `systemctl reload crio` (SIGHUP) or a restart.'] };
  }
  return {
    activation: 'reload',
    detail: `SIGHUP${snapshot.crio.systemd ? ' (systemctl reload crio)' : ''}; containers keep running, and CRI-O also applies any pending live-reloadable crio.conf change`,
    warnings: [],
  };
}
