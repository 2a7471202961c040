import { describePem, samePem } from '../../core/digest.js';
import { refused } from '../../core/errors.js';
import { planOwnedFile, type OwnedFilePlan } from '../../core/owned-file.js';
import type { ResolvedDesired } from '../../core/plan-types.js';
import type { PlanContext } from '../types.js';
import { ownPath } from './layout.js';
import type { K3sSnapshot } from './snapshot.js';

// The files regsetup owns for k3s: the CA of each registry (and the client pair, when given) in
// /etc/rancher/<kind>/regsetup/<host[:port]>/ — a directory of its own that registries.yaml's
// tls.ca_file / cert_file / key_file point at. Never k3s's generated certs.d, which k3s clears
// and rewrites at every start (k3s pkg/agent/containerd/config.go cleanContainerdHosts).

const withNewline = (pem: string) => (pem.endsWith('\n') ? pem : `${pem}\n`);

export function ownFilePlans(snapshot: K3sSnapshot, desired: ResolvedDesired, hosts: readonly string[], ctx: PlanContext): OwnedFilePlan[] {
  const planned: OwnedFilePlan[] = [];
  for (const host of hosts) {
    const current = snapshot.ownFiles[host] ?? {};
    const ca = desired.caPems[0];
    if (ca !== undefined) {
      const path = ownPath(snapshot.layout, host, 'ca.crt');
      const pem = withNewline(ca);
      planned.push(
        planOwnedFile({
          path,
          content: pem,
          current: current['ca.crt'],
          mode: 0o644,
          journal: ctx.journal,
          registry: desired.registry,
          same: samePem,
          reason: current['ca.crt'] === undefined ? `trust the CA ${describePem(pem)} for ${host}` : `replace the CA regsetup installed with ${describePem(pem)}`,
          conflict: (old) => refused('ERR_CA_CONFLICT', `${path} already holds another CA (${describePem(old)}), not installed by regsetup`, 'Move it away (keep a copy) and run join again. Nothing was changed.'),
        }),
      );
    }
    if (desired.clientCert) {
      for (const [name, content, mode, secret] of [['client.cert', desired.clientCert.cert, 0o644, false], ['client.key', desired.clientCert.key, 0o600, true]] as const) {
        const path = ownPath(snapshot.layout, host, name);
        planned.push(
          planOwnedFile({
            path,
            content,
            current: current[name],
            mode,
            secret,
            journal: ctx.journal,
            registry: desired.registry,
            reason: `the client ${name === 'client.key' ? 'key' : 'certificate'} for ${host}`,
            conflict: () => refused('ERR_CLIENT_CERT_CONFLICT', `${path} already holds another client ${name === 'client.key' ? 'key' : 'certificate'}, not installed by regsetup`, 'Move it away (keep a copy) and run join again. Nothing was changed.'),
          }),
        );
      }
    }
  }
  return planned;
}
