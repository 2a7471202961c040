import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { applyPrepared, planJoinNow, prepareLeave, readJournal, type ConvergeHost } from '../../src/converge/converge.js';
import { statusReport } from '../../src/converge/status.js';
import { isRegsetupError, type RegsetupError } from '../../src/core/errors.js';
import { nodeFiles, type Files } from '../../src/host/files.js';
import { fileError } from '../../src/host/fs-errors.js';
import type { Processes } from '../../src/host/processes.js';
import { detectSessions, selectSessions } from '../../src/runtimes/registry.js';
import type { HostPorts } from '../../src/runtimes/types.js';
import { fakeDockerApi } from '../fakes/fake-docker-api.js';
import { proc } from '../fakes/fake-proc.js';
import { desired, pem } from './helpers/join-fixtures.js';

// A rollback that meets a full or immutable filesystem (issue 9, point 5): it puts back only what
// this run changed, goes on past a file it cannot put back, and leaves the journal saying what is
// really there, so `status` is true afterwards and `leave` can finish the job. The files port
// fails as the kernel would (ENOSPC, EPERM), on the paths and operations a test names.

const DAEMON_JSON = '/etc/docker/daemon.json';
const CA = '/etc/docker/certs.d/nexus.example.com/ca.crt';
const STATE = '/var/lib/regsetup';
const EXISTING = '{\n\t"log-driver": "journald",\n\t"registry-mirrors": ["https://mirror.corp.example.com"]\n}\n';

type Op = 'writeAtomic' | 'remove';
const errno = (code: 'ENOSPC' | 'EPERM', op: Op, path: string) =>
  fileError(Object.assign(new Error(`${code}: ${code === 'ENOSPC' ? 'no space left on device' : 'operation not permitted'}, ${op} '${path}'`), { code }), op === 'remove' ? 'remove' : 'write', path);

function node() {
  const { fs } = memfs({ [DAEMON_JSON]: EXISTING, ...proc(812, { argv: ['/usr/bin/dockerd'] }), '/var/run/docker.pid': '812' });
  const docker = fakeDockerApi();
  let accepts = true;
  const takeConfig = () => {
    const config = JSON.parse(String(fs.readFileSync(DAEMON_JSON, 'utf8'))) as Record<string, string[]>;
    docker.infoValue.mirrors = (config['registry-mirrors'] ?? []).map((m) => `${m}/`);
  };
  takeConfig();
  const processes: Processes = { run: async () => ({ exitCode: 0, stdout: '', stderr: '', timedOut: false }), sendSignal: () => (accepts ? takeConfig() : undefined), isAlive: () => true };
  const failing = new Map<string, { code: 'ENOSPC' | 'EPERM'; op: Op }>();
  const attempts: string[] = [];
  const real = nodeFiles(fs);
  // The disk as a test makes it: a path whose write (or removal) the kernel refuses.
  const files: Files = {
    ...real,
    writeAtomic: async (path, data, options) => {
      attempts.push(`write ${path}`);
      const f = failing.get(path);
      if (f?.op === 'writeAtomic') throw errno(f.code, 'writeAtomic', path);
      return real.writeAtomic(path, data, options);
    },
    remove: async (path, options) => {
      attempts.push(`remove ${path}`);
      const f = failing.get(path);
      if (f?.op === 'remove') throw errno(f.code, 'remove', path);
      return real.remove(path, options);
    },
  };
  let t = Date.parse('2026-05-01T10:00:00Z');
  const ports: HostPorts = { root: '/', files, processes, clock: { now: () => (t += 1000) }, sleep: async (ms) => void (t += ms), env: {}, uid: 0, stateDir: STATE, dockerApi: () => docker };
  const host: ConvergeHost = { ports };
  return { fs, docker, host, failing, attempts, refuseReload: (v = true) => (accepts = !v) };
}

const io = { yes: true, note: () => undefined };

async function join(host: ConvergeHost) {
  const sessions = selectSessions(await detectSessions(host.ports, ['docker']), ['auto']);
  const resolved = desired({ caPem: pem('lab CA') });
  return applyPrepared({ operation: 'join', sessions, plan: await planJoinNow(sessions, resolved, host), replan: () => planJoinNow(sessions, resolved, host) }, host, io);
}

const failure = (p: Promise<unknown>) => p.then(() => Promise.reject(new Error('expected a failure')), (e: unknown) => (isRegsetupError(e) ? e : Promise.reject(e))) as Promise<RegsetupError>;
const drift = async (host: ConvergeHost) => (await statusReport(host)).registries.flatMap((r) => r.runtimes.flatMap((x) => x.drift.map((d) => d.what)));

describe('a rollback on a filesystem that refuses', { timeout: 60_000 }, () => {
  it('puts back only what this run changed: daemon.json, whose write met a full disk, is never written again', async () => {
    const n = node();
    n.failing.set(DAEMON_JSON, { code: 'ENOSPC', op: 'writeAtomic' });
    const error = await failure(join(n.host));
    expect([error.code, error.exitCode]).toEqual(['ERR_APPLY_ROLLED_BACK', 5]);
    expect(error.message).toContain('no space left');
    expect(n.attempts.filter((a) => a === `write ${DAEMON_JSON}`)).toHaveLength(1);
    expect(String(n.fs.readFileSync(DAEMON_JSON, 'utf8'))).toBe(EXISTING);
    expect(n.fs.existsSync(CA)).toBe(false);
    // The directories it made for the CA go too.
    expect(n.fs.existsSync('/etc/docker/certs.d')).toBe(false);
    expect(Object.keys((await readJournal(n.host)).registries)).toEqual([]);
    expect(await drift(n.host)).toEqual([]);
  });

  it('goes on past a file it cannot put back (immutable), keeps the journal true, and status and a later leave finish the job', async () => {
    const n = node();
    n.refuseReload();
    // The CA's directory turned immutable after the write: its removal is refused.
    n.failing.set(CA, { code: 'EPERM', op: 'remove' });
    const error = await failure(join(n.host));
    expect([error.code, error.exitCode]).toEqual(['ERR_ROLLBACK_FAILED', 5]);
    expect(error.message).toContain(CA);
    expect(error.message).toContain('immutable');
    // Past the failure: daemon.json is back, dockerd was told again and shows its old mirrors.
    expect(String(n.fs.readFileSync(DAEMON_JSON, 'utf8'))).toBe(EXISTING);
    expect(n.docker.infoValue.mirrors).toEqual(['https://mirror.corp.example.com/']);
    // The journal still names the registry and the CA that is left; status says exactly what differs.
    expect(n.fs.existsSync(CA)).toBe(true);
    expect(Object.keys((await readJournal(n.host)).registries)).toEqual(['nexus.example.com']);
    expect(await drift(n.host)).toEqual([`registry-mirrors entry https://nexus.example.com was removed from ${DAEMON_JSON}`]);

    n.failing.clear();
    n.refuseReload(false);
    await applyPrepared(await prepareLeave('nexus.example.com', n.host), n.host, io);
    expect(n.fs.existsSync(CA)).toBe(false);
    expect(String(n.fs.readFileSync(DAEMON_JSON, 'utf8'))).toBe(EXISTING);
    expect(Object.keys((await readJournal(n.host)).registries)).toEqual([]);
  });

  it('an immutable daemon.json is refused before the first write (exit 4): no backup, no journal, no signal', async () => {
    const n = node();
    const real = n.host.ports.files;
    n.host.ports.files = { ...real, checkWritable: async (path) => (path === DAEMON_JSON ? Promise.reject(errno('EPERM', 'writeAtomic', path)) : real.checkWritable(path)) };
    const error = await failure(join(n.host));
    expect([error.code, error.exitCode]).toEqual(['ERR_IMMUTABLE', 4]);
    expect(n.attempts).toEqual([]);
    expect(n.fs.existsSync(`${STATE}/state.json`)).toBe(false);
    expect(n.fs.existsSync(CA)).toBe(false);
  });
});
