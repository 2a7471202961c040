// A containerd node for doctor's containerd check and fixes: memfs files with a fake /proc, the
// in-memory CRI server (test/fakes/fake-cri.ts) on the socket config.toml names, and a containerd
// that, like the real one, reads config.toml when it (re)starts: config_path from it, CRI refused
// next to the deprecated `mirrors`, CRI off with disabled_plugins = ["cri"].
import * as grpc from '@grpc/grpc-js';
import { execa } from 'execa';
import { memfs } from 'memfs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { applyPrepared, planJoinNow, type ConvergeHost } from '../../../src/converge/converge.js';
import type { ResolvedDesired } from '../../../src/core/plan-types.js';
import { containerdFixes } from '../../../src/doctor/fixes/containerd-fixes.js';
import { doctorState, type DoctorState, type FixFactory } from '../../../src/doctor/ports.js';
import { nodeFiles, type Files } from '../../../src/host/files.js';
import type { Processes } from '../../../src/host/processes.js';
import { containerdRuntime } from '../../../src/runtimes/containerd/index.js';
import type { ContainerdSession } from '../../../src/runtimes/containerd/session.js';
import type { HostPorts } from '../../../src/runtimes/types.js';
import { containerdInfo } from '../../fakes/containerd-info.js';
import { startFakeCri, type FakeCri } from '../../fakes/fake-cri.js';
import { proc } from '../../fakes/fake-proc.js';
import { fakeFixes, fakePorts, NOW, type FakeHost } from './doctor-fixtures.js';

export const CONFIG = '/etc/containerd/config.toml';
export const ROOT = '/etc/containerd/certs.d';
export const STATE = '/var/lib/regsetup';
export const PID = 4242;
export const HOST = 'nexus.example.com';
const CRI = 'io.containerd.grpc.v1.cri';

/** A 1.x config.toml with its socket and, unless null, config_path; `extra` is appended as is. */
export const configToml = (socket: string, path: string | null = ROOT, extra = ''): string =>
  `version = 2\n\n[grpc]\n  address = "${socket}"\n\n[plugins."${CRI}"]\n  sandbox_image = "registry.k8s.io/pause:3.6"\n${path === null ? '' : `\n[plugins."${CRI}".registry]\n  config_path = "${path}"\n`}${extra}`;

export const MIRRORS_TRAP = `\n[plugins."${CRI}".registry.mirrors."quay.io"]\n  endpoint = ["https://quay-mirror.example.com"]\n`;

export interface ContainerdHost {
  fake: FakeCri;
  files: Files;
  ports: HostPorts;
  host: ConvergeHost;
  /** Restarts containerd has been through (its activation, as the session does it). */
  restarts: number;
  detect(): Promise<ContainerdSession[]>;
  /** containerd reads config.toml, as it does when it starts. */
  boot(): Promise<void>;
  close(): Promise<void>;
}

const unimplemented = (service: string) => ({ code: grpc.status.UNIMPLEMENTED, details: `unknown service runtime.v1.${service}` });

export async function containerdHost(tree: (socket: string) => Record<string, string>, o: { version?: string; dump?: (config: string) => string | undefined } = {}): Promise<ContainerdHost> {
  const fake = await startFakeCri();
  const version = o.version ?? '1.6.20~ds1';
  fake.version.runtimeVersion = version;
  const { fs } = memfs({ ...proc(PID, { comm: 'containerd', argv: ['/usr/bin/containerd', '--config', CONFIG] }), ...tree(fake.socket) });
  const files = nodeFiles(fs as never);
  const processes: Processes = {
    run: async (cmd, args) => {
      if (cmd === `/proc/${PID}/exe` && args[0] === '--version') return { exitCode: 0, stdout: `containerd github.com/containerd/containerd ${version} 1.6.20~ds1-1`, stderr: '', timedOut: false };
      if (cmd === 'containerd' && args.includes('dump')) {
        const dumped = o.dump?.((await files.readText(CONFIG)) ?? '');
        return dumped === undefined ? { exitCode: 1, stdout: '', stderr: 'failed to load config', timedOut: false } : { exitCode: 0, stdout: dumped, stderr: '', timedOut: false };
      }
      return { exitCode: 127, stdout: '', stderr: `${cmd}: not found`, timedOut: false };
    },
    sendSignal: () => {
      throw new Error('containerd is never signalled');
    },
    isAlive: () => true,
  };
  let t = NOW;
  const ports: HostPorts = { root: '/', files, processes, clock: { now: () => t }, sleep: async (ms) => void (t += ms), env: {}, uid: 0, stateDir: STATE };
  const h: ContainerdHost = {
    fake,
    files,
    ports,
    host: { ports, stateDir: STATE },
    restarts: 0,
    async boot() {
      const value = parse((await files.readText(CONFIG)) ?? '') as { disabled_plugins?: string[]; plugins?: Record<string, { registry?: { config_path?: string; mirrors?: Record<string, unknown> } }> };
      const registry = value.plugins?.[CRI]?.registry;
      const refused = (registry?.config_path ?? '') !== '' && Object.keys(registry?.mirrors ?? {}).length > 0;
      const off = value.disabled_plugins?.includes('cri') ?? false;
      fake.fail = refused || off ? { Version: unimplemented('RuntimeService'), Status: unimplemented('RuntimeService') } : {};
      fake.info = version.startsWith('1.') ? containerdInfo(version.startsWith('1.7') ? '1.7' : '1.6', { configPath: registry?.config_path ?? '' }) : containerdInfo('2.0');
    },
    async detect() {
      const sessions = (await containerdRuntime.detect(ports)) as ContainerdSession[];
      // The session's own restart stops and starts the process; here containerd "restarts" by reading its config again.
      return sessions.map((s) => ({
        ...s,
        activate: async (plan, log) => {
          if (plan.activation !== 'restart') return;
          h.restarts++;
          await h.boot();
          log('restarted containerd');
        },
      }));
    },
    close: () => fake.close(),
  };
  await h.boot();
  return h;
}

/** doctor's state on that node: no Docker, containerd from detection each time (a re-check sees a restart), the given fixes. */
export function containerdState(h: ContainerdHost, fixes: FixFactory = fakeFixes(), extra: FakeHost = {}): Promise<DoctorState> {
  // The CA files are made by openssl now: their validity is checked against the real clock.
  return doctorState({ ...fakePorts({ docker: null, ...extra }, fixes, h.files), clock: { now: () => Date.now() }, containerd: () => h.detect() }, async () => [], 'library/hello-world:latest');
}

/** doctor's real containerd fixes on that node (the Docker ones stay fakes). */
export const realFixes = (h: ContainerdHost, log: string[] = []): FixFactory => ({ ...fakeFixes(), ...containerdFixes({ host: h.host, note: (l) => log.push(l), sessions: () => h.detect() }) });

/** A join through converge's planner and apply, as `regsetup join … --runtime containerd` makes it (preflight done). */
export async function joinContainerd(h: ContainerdHost, resolved: ResolvedDesired): Promise<void> {
  const sessions = await h.detect();
  const plan = await planJoinNow(sessions, resolved, h.host);
  await applyPrepared({ operation: 'join', sessions, plan, replan: () => planJoinNow(sessions, resolved, h.host) }, h.host, { yes: true, note: () => undefined });
}

/** A real CA certificate (openssl), valid from now for `days`. */
export async function makeCa(days = 30): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ctrd-doctor-ca-'));
  try {
    await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k'), '-out', join(dir, 'c'), '-days', String(days), '-subj', '/CN=containerd doctor CA', '-addext', 'basicConstraints=critical,CA:TRUE']);
    return await readFile(join(dir, 'c'), 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
