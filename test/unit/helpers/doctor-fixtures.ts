// Fake ports for doctor's checks: memfs files, the fake daemon, canned verify reports.
import { memfs } from 'memfs';
import type { CredentialsReport } from '../../../src/doctor/credentials-report.js';
import { doctorState, type DoctorPorts, type DoctorState, type FixFactory } from '../../../src/doctor/ports.js';
import type { Fix, Target } from '../../../src/doctor/types.js';
import { parseRegistry } from '../../../src/core/registry-name.js';
import { nodeFiles, type Files } from '../../../src/host/files.js';
import type { ContainerdSession } from '../../../src/runtimes/containerd/session.js';
import type { DockerdProcess } from '../../../src/host/dockerd.js';
import type { CertsDir } from '../../../src/host/tls.js';
import type { VerifyReport } from '../../../src/verify/types.js';
import { dockerdProcess } from '../../fakes/dockerd-process.js';
import { fakeDockerApi, type FakeDockerOptions } from '../../fakes/fake-docker-api.js';

export const NOW = Date.parse('2026-05-01T10:00:00Z');

export const dockerd: DockerdProcess = dockerdProcess();

/** A fix that records what happened to it. */
export function fakeFix(key: string, log: string[] = [], opts: { fail?: string; needsOperator?: string } = {}): Fix {
  return {
    key,
    title: `fix ${key}`,
    prepare: async () => ({
      preview: [`would change ${key}`],
      ...(opts.needsOperator ? { needsOperator: opts.needsOperator } : {}),
      apply: async () => {
        if (opts.fail) throw new Error(opts.fail);
        log.push(key);
        return [`changed ${key}`];
      },
    }),
  };
}

export const fakeFixes = (log: string[] = []): FixFactory => ({
  installCa: (hostPort) => fakeFix(`ca:${hostPort}`, log),
  insecure: (hostPort) => fakeFix(`insecure:${hostPort}`, log),
  reload: () => fakeFix('reload', log),
  containerdRejoin: (session, registry) => fakeFix(`containerd-join:${session}:${registry}`, log),
  containerdRestart: (session) => fakeFix(`containerd-restart:${session}`, log),
  migrateCredentials: () => fakeFix('credentials:migrate', log),
  avoidPass: (registries) => (registries.length ? fakeFix(`credentials:pass:${registries.join(',')}`, log) : undefined),
});

export const target = (registry: string, push = true, pushRegistry?: string): Target => ({
  registry: parseRegistry(registry),
  pushRegistry: parseRegistry(pushRegistry ?? registry),
  push,
  sources: ['test'],
});

export const cleanCredentials = (): CredentialsReport => ({
  configPath: '/root/.docker/config.json',
  plaintext: [],
  helpers: [],
  pass: { installed: false, initialised: false, helperInstalled: false, usedByDocker: false, storeDir: '/root/.password-store' },
});

export interface FakeHost {
  tree?: Record<string, string>;
  /** null: no Docker on this host at all (a containerd node). */
  docker?: FakeDockerOptions | null;
  dockerd?: DockerdProcess | null;
  others?: DockerdProcess[];
  /** containerd's sessions (over memfs and the fake CRI). */
  containerd?: ContainerdSession[];
  /** What a registry host answers doctor's containerd mirror probe, by URL. */
  hosts?: Record<string, { status: number } | Error>;
  stateDir?: string;
  verify?: (t: Target) => VerifyReport['steps'];
  certs?: Record<string, Partial<CertsDir>>;
  mirrors?: Record<string, { status: number } | Error>;
  credentials?: Partial<CredentialsReport>;
  flags?: Array<{ key?: string; flag: string; value?: string; source: string }>;
}

export function fakePorts(h: FakeHost = {}, fixes: FixFactory = fakeFixes(), files: Files = nodeFiles(memfs(h.tree ?? {}).fs as never)): DoctorPorts {
  return {
    files,
    docker: h.docker === null ? undefined : fakeDockerApi(h.docker),
    clock: { now: () => NOW },
    stateDir: h.stateDir ?? '/var/lib/regsetup',
    findDockerd: async () => (h.dockerd === null || h.docker === null ? undefined : (h.dockerd ?? dockerd)),
    otherDockerds: async () => h.others ?? [],
    containerd: async () => h.containerd ?? [],
    probeHost: async (url) => {
      const r = h.hosts?.[url] ?? { status: 200 };
      if (r instanceof Error) throw r;
      return r;
    },
    flagSources: async () => h.flags ?? [],
    readCertsDir: async (hostPort) => ({ caFiles: [], caPems: [], clientPairs: [], problems: [], ...h.certs?.[hostPort] }),
    certsDirs: async () => Object.keys(h.certs ?? {}),
    verify: async (t) => {
      const steps = h.verify?.(t) ?? [{ name: 'reachability', ok: true, ms: 1 }];
      return { report: { ok: steps.every((s) => s.ok), registry: t.registry.hostPort, pushRegistry: t.pushRegistry.hostPort, steps } };
    },
    probeMirror: async (url) => {
      const r = h.mirrors?.[url] ?? { status: 200 };
      if (r instanceof Error) throw r;
      return r;
    },
    credentials: async () => ({ ...cleanCredentials(), ...h.credentials }),
    fixes,
  };
}

export const stateFor = (h: FakeHost = {}, targets: Target[] = [target('nexus.example.com')], fixes?: FixFactory): Promise<DoctorState> =>
  doctorState(fakePorts(h, fixes), async () => targets, 'library/hello-world:latest');
