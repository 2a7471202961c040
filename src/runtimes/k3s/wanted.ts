import { byUpstream } from '../../core/mirrors.js';
import { joinHosts, type ResolvedDesired } from '../../core/plan-types.js';
import { endpointForMirror } from './endpoint.js';
import { ownPath, type K3sLayout } from './layout.js';
import type { WantedEntries } from './registries-edit.js';

// A join's desired state in registries.yaml terms:
//   mirrors."docker.io".endpoint   ← Docker Hub's mirror URLs (k3s mirrors any upstream, so every
//   mirrors.<upstream>.endpoint    ← other upstream of --mirror-for gets its own entry)
//   configs.<host>.tls.ca_file     ← the CA regsetup installs in /etc/rancher/<kind>/regsetup/<host>/
//   configs.<host>.tls.{cert,key}_file, insecure_skip_verify (only with --insecure), auth (only
//                                    with --k3s-store-auth-plaintext)
//   mirrors.<host>.endpoint        ← the host's own endpoint, when it has configs but no mirror entry:
//                                    the shape k3s's own tests use, never a configs-only entry (traps.ts)

export interface Wanted {
  entries: WantedEntries;
  /** Hosts that get configs (registry, push registry) and upstreams that get mirrors: what confirm checks. */
  hosts: string[];
}

/** The registry's own endpoint: plain HTTP only for an insecure registry whose mirror URL says so. */
function ownEndpoint(desired: ResolvedDesired, host: string): string {
  const http = desired.insecure && desired.mirrors.some((m) => m.url.toLowerCase().startsWith(`http://${host.toLowerCase()}`));
  return `${http ? 'http' : 'https'}://${host}`;
}

export function wantedFor(desired: ResolvedDesired, layout: Pick<K3sLayout, 'ownDir'>): Wanted {
  const entries: WantedEntries = { endpoints: [], ownMirrors: [], values: [], auth: [] };
  const upstreams = byUpstream(desired.mirrors);
  for (const [upstream, urls] of upstreams) {
    for (const url of urls) entries.endpoints.push({ mirror: upstream, url: endpointForMirror(url) });
  }
  const configured: string[] = [];
  for (const host of joinHosts(desired)) {
    const values: WantedEntries['values'] = [];
    const tls = (name: string) => ['configs', host, 'tls', name];
    if (desired.caPems.length > 0) values.push({ path: tls('ca_file'), value: ownPath(layout, host, 'ca.crt'), replace: 'ours' });
    if (desired.clientCert) {
      values.push({ path: tls('cert_file'), value: ownPath(layout, host, 'client.cert'), replace: 'ours' });
      values.push({ path: tls('key_file'), value: ownPath(layout, host, 'client.key'), replace: 'ours' });
    }
    if (desired.insecure) values.push({ path: tls('insecure_skip_verify'), value: true, replace: 'any' });
    const auth = desired.k3sStoreAuthPlaintext && desired.plaintextAuth ? [{ host, ...desired.plaintextAuth }] : [];
    if (values.length === 0 && auth.length === 0) continue;
    entries.values.push(...values);
    entries.auth.push(...auth);
    entries.ownMirrors.push({ mirror: host, url: ownEndpoint(desired, host) });
    configured.push(host);
  }
  return { entries, hosts: [...new Set([...upstreams.keys(), ...configured])] };
}
