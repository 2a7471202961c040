import { UPSTREAM_DOCKER_HUB } from '../../../core/mirrors.js';
import type { CriAuth } from '../../../host/cri/cri-auth.js';
import type { CriClient } from '../../../host/cri/cri-client.js';
import type { Files } from '../../../host/files.js';
import { RegistryClient } from '../../../host/registry-client.js';
import { buildTinyImage } from '../../../host/tiny-image.js';
import { hubRepository } from '../../../verify/image-ref.js';
import { clientFor, type VerifyState } from '../../../verify/state.js';
import type { Step } from '../../../verify/types.js';
import { uniqueTag } from '../../docker/verify/push-roundtrip.js';
import { DEFAULT_HOSTS_ROOT } from '../config.js';
import { readHostTables } from '../hosts.js';

// Verification the way kubelet pulls: ImageService.PullImage over CRI, credentials passed as the
// CRI AuthConfig — never `ctr`, which ignores config_path and proves nothing about CRI.

export interface CriVerify {
  cri: () => CriClient;
  /** Under --root. */
  files: Files;
  root: string;
}

const authOf = (s: VerifyState, hostPort: string): CriAuth | undefined => {
  const c = s.credentials.get(hostPort);
  return c ? { username: c.username, password: c.password } : undefined;
};

/** Pull through CRI, check the digest, and remove the image again unless it was there before. */
async function pullAndCheck(d: CriVerify, ref: string, auth: CriAuth | undefined, digest: string | undefined): Promise<string[]> {
  const cri = d.cri();
  const before = await cri.imageStatus(ref);
  await cri.pullImage(ref, auth);
  const after = await cri.imageStatus(ref);
  if (!before) await cri.removeImage(ref).catch(() => undefined);
  const digests = after?.repoDigests ?? [];
  if (digest && !digests.some((r) => r.endsWith(`@${digest}`))) throw new Error(`CRI pulled ${ref} but its digest is not ${digest} (got ${digests.join(', ') || 'none'})`);
  return digests;
}

/** The config_path roots CRI reports, else containerd's usual root. */
async function hostsRoots(d: CriVerify): Promise<string[]> {
  const status = await d.cri().status({ verbose: true });
  return status.registry?.configPaths.length ? status.registry.configPaths : [DEFAULT_HOSTS_ROOT];
}

/** Docker Hub's mirrors as containerd will try them: the [host] tables with `pull` of docker.io/hosts.toml, with their CA files. */
async function hubMirrors(d: CriVerify): Promise<Array<{ url: string; ca: string[] }>> {
  for (const root of await hostsRoots(d)) {
    const path = `${root.replace(/\/+$/, '')}/${UPSTREAM_DOCKER_HUB}/hosts.toml`;
    const text = await d.files.readText(path);
    if (text === undefined) continue;
    const tables = readHostTables(text, path) ?? {};
    return Object.entries(tables)
      .filter(([, t]) => !Array.isArray(t.capabilities) || t.capabilities.includes('pull'))
      .map(([url, t]) => ({ url, ca: Array.isArray(t.ca) ? (t.ca as string[]) : typeof t.ca === 'string' ? [t.ca] : [] }));
  }
  return [];
}

const criMirrorPull = (d: CriVerify): Step<VerifyState> => ({
  name: 'cri-mirror-pull',
  async run(s) {
    const mirrors = await hubMirrors(d);
    if (mirrors.length === 0) return { skipped: 'containerd has no Docker Hub mirror (no docker.io/hosts.toml under config_path)' };
    const hub = hubRepository(s.input.hubImage);
    const failures: string[] = [];
    for (const m of mirrors) {
      const pems = (await Promise.all(m.ca.map((p) => d.files.readText(p)))).filter((t): t is string => t !== undefined);
      const url = new URL(m.url);
      const head = await new RegistryClient({ baseUrl: url.origin, tls: { ca: [...s.systemPems, ...pems] }, now: s.ports.clock.now }).headManifest(hub.path, hub.tag).catch((e: Error) => ({ status: 0, digest: undefined, error: e }));
      if (head.status !== 200 || !head.digest) {
        failures.push(`the mirror ${m.url} does not serve ${hub.path}:${hub.tag} (HTTP ${head.status})`);
        continue;
      }
      const ref = `docker.io/${hub.path}:${hub.tag}`;
      await pullAndCheck(d, ref, undefined, head.digest);
      return { detail: `${ref} via CRI, served by ${m.url} (${head.digest.slice(0, 19)}…)` };
    }
    throw new Error(`no mirror served ${hub.short}: ${failures.join('; ')}`);
  },
});

const criRegistryPull = (d: CriVerify): Step<VerifyState> => ({
  name: 'cri-registry-pull',
  needs: ['registry-api'],
  async run(s) {
    const { registry } = s.input;
    const hub = hubRepository(s.input.hubImage);
    const head = await clientFor(s, registry).headManifest(hub.path, hub.tag);
    if (head.status === 404) return { skipped: `${registry.hostPort} holds no ${hub.path}:${hub.tag}; cri-push-roundtrip proves pulls` };
    const ref = `${registry.hostPort}/${hub.path}:${hub.tag}`;
    await pullAndCheck(d, ref, authOf(s, registry.hostPort), head.digest);
    return { detail: `${ref} via CRI${authOf(s, registry.hostPort) ? ' with the credentials as kubelet passes them' : ''}` };
  },
});

/** A tiny image pushed through the registry API, pulled back through CRI from the registry, digests compared, the tag deleted. */
const criPushRoundtrip = (d: CriVerify): Step<VerifyState> => ({
  name: 'cri-push-roundtrip',
  needs: ['push-access'],
  async run(s) {
    const { registry, pushRegistry, pushRepo } = s.input;
    const tag = uniqueTag(s.ports.clock.now());
    const image = await buildTinyImage(`regsetup verify cri ${tag}`);
    const pushed = await clientFor(s, pushRegistry).pushImage(pushRepo, tag, image);
    try {
      await pullAndCheck(d, `${registry.hostPort}/${pushRepo}:${tag}`, authOf(s, registry.hostPort), pushed.digest);
    } finally {
      await d.cri().removeImage(`${registry.hostPort}/${pushRepo}:${tag}`).catch(() => undefined);
      await clientFor(s, pushRegistry).deleteManifest(pushRepo, pushed.digest).catch(() => undefined);
    }
    return { detail: `pushed ${pushRegistry.hostPort}/${pushRepo}:${tag}, pulled back through CRI from ${registry.hostPort} with the same digest` };
  },
});

export const criVerifySteps = (d: CriVerify): Array<Step<VerifyState>> => [criMirrorPull(d), criRegistryPull(d), criPushRoundtrip(d)];
