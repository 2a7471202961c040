import { measureSkew } from '../core/clock-skew.js';
import { credentialSourceFor, parseDockerConfig } from '../core/docker-config.js';
import { credentialKey, REGSETUP_HELPER } from '../core/docker-config-edit.js';
import type { DesiredState } from '../core/desired-state.js';
import { joinHosts } from '../core/plan-types.js';
import type { ConvergeHost } from '../converge/converge.js';
import { loginChanged, loginRegistry } from '../credentials/login.js';
import { readPasswordFile } from '../credentials/password-file.js';
import { credentialStore } from '../credentials/store.js';
import { rooted } from '../host/host-path.js';
import { RegistryClient } from '../host/registry-client.js';
import { certInfo } from '../host/tls.js';
import { preflight } from '../preflight/resolve.js';
import type { DockerSession } from '../runtimes/docker/session.js';
import { detectSessions } from '../runtimes/registry.js';
import type { AgentLog } from './log.js';
import type { ReconcilePorts } from './reconcile.js';

// The real host behind the reconciler's ports: the runtimes, preflight, the registry's clock, the
// CA dates, and the credential helper (a login only when the helper does not hold the password yet).

export function realReconcilePorts(host: ConvergeHost, log: AgentLog, o: { dockerConfigDir: string; uid: number }): Pick<ReconcilePorts, 'detect' | 'preflight' | 'clock' | 'caExpiry' | 'credentials'> {
  const files = rooted(host.ports.files, host.ports.root);
  const store = credentialStore({ files, processes: host.ports.processes, env: host.ports.env, uid: o.uid }, { realHost: host.ports.root === '/' });
  const configPath = `${o.dockerConfigDir}/config.json`;
  return {
    detect: () => detectSessions(host.ports),
    preflight: (desired, input) => preflight(desired, input, { files, root: host.ports.root, now: host.ports.clock.now, note: (line) => log.log('debug', line, { registry: desired.registry }) }),
    clock: async (desired) => {
      // Only the Date header is read: no trust is needed for it, and nothing is sent.
      const client = new RegistryClient({ baseUrl: `${desired.insecure ? 'http' : 'https'}://${desired.registry}`, tls: { insecureSkipVerify: true }, now: host.ports.clock.now, timeoutMs: 10_000 });
      const ping = await client.ping();
      return ping.date ? measureSkew({ ...ping.timing, serverDate: ping.date }) : undefined;
    },
    caExpiry: (pems) => pems.map((pem) => certInfo(pem).validTo.getTime()),
    credentials: {
      password: async (desired) => {
        const c = desired.credentials;
        return c?.passwordFile === undefined ? undefined : readPasswordFile(files, c.passwordFile, c.username);
      },
      stale: async (desired: DesiredState, password: string) => {
        const config = parseDockerConfig(await files.readText(configPath), configPath);
        for (const hostPort of joinHosts(desired)) {
          const back = await store.get(credentialKey(hostPort)).catch(() => undefined);
          if (back?.Username !== desired.credentials?.username || back?.Secret !== password) return true;
          const source = credentialSourceFor(config, hostPort);
          if (source.kind !== 'helper' || source.helper !== REGSETUP_HELPER) return true;
        }
        return false;
      },
      store: async (desired, password, sessions) => {
        const docker = sessions.find((s): s is DockerSession => s.kind === 'docker');
        if (docker === undefined || desired.credentials === undefined) return false;
        let changed = false;
        for (const registry of joinHosts(desired)) {
          const r = await loginRegistry({ files, docker: docker.docker, store, env: host.ports.env, uid: o.uid }, { registry, username: desired.credentials.username, password, dockerConfigDir: o.dockerConfigDir, root: host.ports.root });
          changed ||= loginChanged(r);
          log.log('info', 'credentials stored in the regsetup helper', { registry, username: desired.credentials.username, dockerConfig: configPath });
        }
        return changed;
      },
    },
  };
}
