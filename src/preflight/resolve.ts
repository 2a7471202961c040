import type { DesiredState } from '../core/desired-state.js';
import { badInput } from '../core/errors.js';
import { during, type StartProgress } from '../core/progress.js';
import type { ResolvedDesired } from '../core/plan-types.js';
import { parseRegistry } from '../core/registry-name.js';
import type { Files } from '../host/files.js';
import { systemCaPems } from '../host/tls.js';
import { resolveCa, type CaDecision } from './ca.js';
import { checkClock, checkCredentials, reachFor, resolveMirrors } from './registry.js';

export interface PreflightPorts {
  /** Under --root. */
  files: Files;
  root: string;
  now: () => number;
  note(line: string): void;
  /** Asks the operator; undefined without a TTY (or with --yes / --json). */
  confirm?: (question: string) => Promise<boolean>;
  /** Shows the network work as it runs (a terminal only). */
  progress?: StartProgress;
}

export interface PreflightInput {
  hubImage: string;
  pushRepo: string;
  credentials?: { username: string; password: string };
}

export interface Preflight {
  resolved: ResolvedDesired;
  ca: CaDecision;
  clockSkewMs?: number;
}

/**
 * Everything a join checks on the network before the first write, runtime-neutral and done once
 * for all runtimes: the CA (file, URL or handshake; pinned), reachability and clock of the registry
 * and the push registry, the credentials against the registry's own realm, the mirror probe.
 * Refusals (exit 4, or 2 for wrong credentials) leave the host untouched.
 */
export async function preflight(desired: DesiredState, input: PreflightInput, ports: PreflightPorts): Promise<Preflight> {
  const now = ports.now;
  const registry = parseRegistry(desired.registry);
  const push = desired.pushRegistry ? parseRegistry(desired.pushRegistry) : undefined;
  const systemPems = await systemCaPems({ root: ports.root === '/' ? '' : ports.root });
  const ca = await resolveCa(desired, registry, { files: ports.files, now, systemPems, note: ports.note, ...(ports.confirm ? { confirm: ports.confirm } : {}), ...(ports.progress ? { progress: ports.progress } : {}) });
  const trusted = [...systemPems, ...ca.pems];
  const checks = [registry, push].filter((r) => r !== undefined).map((r) => r.hostPort).join(' and ');
  const [reach, pushReach, clockSkewMs, mirrors] = await during(ports.progress, `checking ${checks}: reachability, clock${input.credentials ? ', credentials' : ''}, mirrors`, async () => {
    // Once the CA is known the checks of the two registries are independent of each other.
    const [reach, pushReach] = await inOrder([reachFor(registry, desired.insecure, trusted, now), push ? reachFor(push, desired.insecure, trusted, now) : undefined]);
    const [skew, , , , found] = await inOrder([
      checkClock(registry, reach, desired, now),
      push && pushReach ? checkClock(push, pushReach, desired, now) : undefined,
      input.credentials ? checkCredentials(registry, reach, input.credentials, input.pushRepo, now) : undefined,
      push && pushReach && input.credentials ? checkCredentials(push, pushReach, input.credentials, input.pushRepo, now) : undefined,
      resolveMirrors(desired, reach, input.hubImage, now),
    ]);
    return [reach, pushReach, skew, found] as const;
  });
  if (mirrors.note) ports.note(mirrors.note);
  const plainHttp = [reach, pushReach].flatMap((r, i) => (r?.baseUrl.startsWith('http://') ? [[registry, push][i]!.hostPort] : []));
  const clientCert = desired.clientCert ? await readClientCert(ports.files, desired.clientCert) : undefined;
  const resolved: ResolvedDesired = {
    registry: registry.hostPort,
    ...(push ? { pushRegistry: push.hostPort } : {}),
    mirrors: mirrors.mirrors,
    insecure: desired.insecure,
    ...(plainHttp.length > 0 ? { plainHttp } : {}),
    caPems: ca.pems,
    ...(clientCert ? { clientCert } : {}),
    restart: desired.restart,
    // Stored in regsetup's helper after apply (cli/commands/join.ts): runtimes that name a helper per registry point at it.
    ...(input.credentials ? { credentialHelper: true } : {}),
    kubeletCredentialProvider: desired.kubeletCredentialProvider,
    migrateContainerdMirrors: desired.migrateContainerdMirrors,
    k3sStoreAuthPlaintext: desired.k3sStoreAuthPlaintext,
    ...(desired.k3sStoreAuthPlaintext && input.credentials ? { plaintextAuth: input.credentials } : {}),
    ...(input.credentials ? { credentialsUser: input.credentials.username } : {}),
  };
  return { resolved, ca, ...(clockSkewMs === undefined ? {} : { clockSkewMs }) };
}

/** Concurrently, but a refusal is reported as if they had run one after another: the first one's wins. */
async function inOrder<T extends readonly unknown[]>(work: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

async function readClientCert(files: Files, paths: { cert: string; key: string }): Promise<{ cert: string; key: string }> {
  const cert = await files.readText(paths.cert);
  const key = await files.readText(paths.key);
  if (cert === undefined) throw badInput('ERR_CLIENT_CERT', `--client-cert ${paths.cert} does not exist or cannot be read`);
  if (key === undefined) throw badInput('ERR_CLIENT_CERT', `--client-key ${paths.key} does not exist or cannot be read`);
  if (!/-----BEGIN CERTIFICATE-----/.test(cert)) throw badInput('ERR_CLIENT_CERT', `--client-cert ${paths.cert} holds no PEM certificate`);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) throw badInput('ERR_CLIENT_CERT', `--client-key ${paths.key} holds no PEM private key`);
  return { cert, key };
}
