import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { applyPrepared, planJoinNow, prepareLeave, readJournal, type ConvergeHost } from '../../src/converge/converge.js';
import { statusReport } from '../../src/converge/status.js';
import { nodeFiles } from '../../src/host/files.js';
import type { Processes } from '../../src/host/processes.js';
import { detectSessions, selectSessions } from '../../src/runtimes/registry.js';
import type { HostPorts } from '../../src/runtimes/types.js';
import { fakeDockerApi, type FakeDockerApi } from '../fakes/fake-docker-api.js';
import { PASSWD, proc, rootlessTree } from '../fakes/fake-proc.js';
import { desired, pem } from './helpers/join-fixtures.js';

// A rootful and a rootless join of the same registry on one host, through converge and apply as
// the commands run them: each run sees its own daemon, keeps its own journal, and leaves alone.

const ROOT_JSON = '/etc/docker/daemon.json';
const ALICE_JSON = '/home/alice/.config/docker/daemon.json';
const ROOT_STATE = '/var/lib/regsetup';
const ALICE_STATE = '/home/alice/.local/state/regsetup';
const ROOT_JSON_TEXT = '{\n  "log-driver": "journald"\n}\n';

function lab() {
  const { fs } = memfs({
    '/etc/passwd': PASSWD,
    [ROOT_JSON]: ROOT_JSON_TEXT,
    '/home/alice/.config/docker/.keep': '',
    '/var/run/docker.pid': '812',
    ...proc(812, { argv: ['/usr/sbin/dockerd', '-H', 'unix:///var/run/docker.sock'] }),
    ...rootlessTree(3000, { uid: 1000, home: '/home/alice' }),
  });
  const files = nodeFiles(fs);
  // Two daemons: on SIGHUP each takes its own daemon.json's mirrors (pid → daemon).
  const daemons: Record<string, { api: FakeDockerApi; json: string; pid: number }> = {
    'unix:///var/run/docker.sock': { api: fakeDockerApi(), json: ROOT_JSON, pid: 812 },
    'unix:///run/user/1000/docker.sock': { api: fakeDockerApi({ info: { rootless: true } }), json: ALICE_JSON, pid: 3000 },
  };
  const signals: number[] = [];
  const processes: Processes = {
    run: async () => ({ exitCode: 0, stdout: '', stderr: '', timedOut: false }),
    sendSignal: (pid) => {
      signals.push(pid);
      const d = Object.values(daemons).find((x) => x.pid === pid)!;
      const config = fs.existsSync(d.json) ? (JSON.parse(String(fs.readFileSync(d.json, 'utf8'))) as Record<string, string[]>) : {};
      d.api.infoValue.mirrors = (config['registry-mirrors'] ?? []).map((m) => `${m}/`);
    },
    isAlive: () => true,
  };
  let t = Date.parse('2026-05-01T10:00:00Z');
  const run = (uid: number, stateDir: string): ConvergeHost => {
    const ports: HostPorts = { root: '/', files, processes, clock: { now: () => (t += 1000) }, sleep: async (ms) => void (t += ms), env: {}, uid, stateDir, dockerApi: (h) => daemons[h ?? 'unix:///var/run/docker.sock']!.api };
    return { ports };
  };
  return { fs, daemons, signals, root: run(0, ROOT_STATE), alice: run(1000, ALICE_STATE) };
}

const io = { yes: true, note: () => undefined };

async function join(host: ConvergeHost) {
  const sessions = selectSessions(await detectSessions(host.ports, ['docker']), ['auto']);
  const resolved = desired({ caPem: pem('lab CA') });
  const plan = await planJoinNow(sessions, resolved, host);
  return applyPrepared({ operation: 'join', sessions, plan, replan: () => planJoinNow(sessions, resolved, host) }, host, io);
}

const leave = async (host: ConvergeHost) => applyPrepared(await prepareLeave('nexus.example.com', host), host, io);

describe('a rootful and a rootless join of the same registry', () => {
  it('coexist, each in its own daemon, files and journal, and leave independently', async () => {
    const h = lab();
    const byRoot = await join(h.root);
    const byAlice = await join(h.alice);
    expect(byRoot.runtimes.map((r) => r.runtime)).toEqual(['docker']);
    expect(byAlice.runtimes.map((r) => [r.runtime, r.label])).toEqual([['docker-rootless:1000', 'dockerd (rootless, alice)']]);
    expect(h.signals).toEqual([812, 3000]); // alice's HUP went to her rootlesskit, never to root's dockerd
    for (const d of Object.values(h.daemons)) expect(d.api.infoValue.mirrors).toEqual(['https://nexus.example.com/']);
    expect(h.fs.existsSync('/etc/docker/certs.d/nexus.example.com/ca.crt')).toBe(true);
    expect(h.fs.existsSync('/home/alice/.config/docker/certs.d/nexus.example.com/ca.crt')).toBe(true);

    const rootJournal = await readJournal(h.root);
    const aliceJournal = await readJournal(h.alice);
    expect(Object.keys(rootJournal.registries['nexus.example.com']!.runtimes)).toEqual(['docker']);
    expect(aliceJournal.registries['nexus.example.com']!.runtimes['docker-rootless:1000']).toMatchObject({ daemonJsonPath: ALICE_JSON, certsDir: '/home/alice/.config/docker/certs.d', createdDaemonJson: true });
    expect(h.fs.existsSync(`${ALICE_STATE}/state.json`) && h.fs.existsSync(`${ROOT_STATE}/state.json`)).toBe(true);
    expect((await statusReport(h.alice)).registries.map((r) => [r.registry, r.runtimes.map((x) => x.runtime), r.drifted])).toEqual([['nexus.example.com', ['docker-rootless:1000'], false]]);

    // alice leaves: her daemon and files go back, root's stay as joined.
    const rootJsonJoined = String(h.fs.readFileSync(ROOT_JSON, 'utf8'));
    const rootState = String(h.fs.readFileSync(`${ROOT_STATE}/state.json`, 'utf8'));
    await leave(h.alice);
    expect(h.fs.existsSync(ALICE_JSON)).toBe(false);
    expect(h.fs.existsSync('/home/alice/.config/docker/certs.d/nexus.example.com/ca.crt')).toBe(false);
    expect(h.daemons['unix:///run/user/1000/docker.sock']!.api.infoValue.mirrors).toEqual([]);
    expect((await readJournal(h.alice)).registries).toEqual({});
    expect(String(h.fs.readFileSync(ROOT_JSON, 'utf8'))).toBe(rootJsonJoined);
    expect(String(h.fs.readFileSync(`${ROOT_STATE}/state.json`, 'utf8'))).toBe(rootState);
    expect(h.daemons['unix:///var/run/docker.sock']!.api.infoValue.mirrors).toEqual(['https://nexus.example.com/']);

    // Then root leaves its own.
    await leave(h.root);
    // dockerd was shown the emptied list, then the list join added went again: the file is as it was.
    expect(String(h.fs.readFileSync(ROOT_JSON, 'utf8'))).toBe(ROOT_JSON_TEXT);
    expect(h.signals).toEqual([812, 3000, 3000, 812]);
  });

  it("a user's leave with their rootless dockerd stopped still finds its files through the journal", async () => {
    const h = lab();
    await join(h.alice);
    h.fs.rmSync('/proc/3002', { recursive: true }); // dockerd stopped
    const prepared = await prepareLeave('nexus.example.com', h.alice);
    expect(prepared.sessions.map((s) => [s.id, s.running])).toEqual([['docker-rootless:1000', false]]);
    await applyPrepared(prepared, h.alice, io);
    expect(h.fs.existsSync('/home/alice/.config/docker/certs.d/nexus.example.com/ca.crt')).toBe(false);
    expect((await readJournal(h.alice)).registries).toEqual({});
  });
});
