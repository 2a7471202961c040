import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { emptyJournal } from '../../src/core/journal.js';
import { nodeFiles, type FsModule } from '../../src/host/files.js';
import type { Processes } from '../../src/host/processes.js';
import { k3sRuntime, rke2Runtime } from '../../src/runtimes/k3s/index.js';
import { findK3s } from '../../src/runtimes/k3s/process.js';
import type { K3sSession } from '../../src/runtimes/k3s/session.js';
import { selectSessions } from '../../src/runtimes/registry.js';
import type { HostPorts } from '../../src/runtimes/types.js';
import { desired, NOW, REGISTRIES } from './helpers/k3s-fixtures.js';

const CERTS = '/var/lib/rancher/k3s/agent/etc/containerd/certs.d';

type FakeHost = ReturnType<typeof host>;

function host(tree: Record<string, string>, o: { runs?: string[][]; onRun?: () => void } = {}) {
  const { fs, vol } = memfs(tree);
  let now = NOW;
  const runs = o.runs ?? [];
  const processes: Processes = {
    run: async (cmd, args) => {
      runs.push([cmd, ...args]);
      o.onRun?.();
      return { exitCode: 0, stdout: '', stderr: '', timedOut: false };
    },
    sendSignal: () => undefined,
    isAlive: () => true,
  };
  const ports: HostPorts = { root: '/', files: nodeFiles(fs as unknown as FsModule), processes, clock: { now: () => now }, sleep: async (ms) => void (now += ms), env: {} };
  return { ports, fs, vol, runs, advance: (ms: number) => (now += ms), now: () => now };
}

const k3sServer = {
  '/proc/1/comm': 'systemd\n',
  '/proc/1/cmdline': '/sbin/init\0',
  '/proc/4711/comm': 'k3s-server\n',
  '/proc/4711/cmdline': '/usr/local/bin/k3s\0server\0--private-registry\0/srv/registries.yaml\0',
  '/proc/4711/cgroup': '0::/system.slice/k3s.service\n',
  '/run/systemd/system/.keep': '',
  '/etc/rancher/k3s/config.yaml': 'data-dir: /opt/k3s\n',
};

describe('finding the agent in /proc', () => {
  it('a k3s server run by systemd, with its flags and config file', async () => {
    const { ports } = host(k3sServer);
    expect(await findK3s(ports.files, 'k3s')).toEqual({
      pid: 4711,
      role: 'server',
      argv: ['/usr/local/bin/k3s', 'server', '--private-registry', '/srv/registries.yaml'],
      unit: 'k3s.service',
      managedBy: 'systemd',
      registriesPath: '/srv/registries.yaml',
      dataDir: '/opt/k3s',
    });
  });

  it.each<[string, Record<string, string>, 'k3s' | 'rke2', Record<string, unknown> | undefined]>([
    ['a k3s agent before its re-exec', { '/proc/9/comm': 'k3s\n', '/proc/9/cmdline': 'k3s\0agent\0--server\0https://s:6443\0', '/proc/9/cgroup': '0::/system.slice/k3s-agent.service\n', '/run/systemd/system/.keep': '' }, 'k3s', { role: 'agent', unit: 'k3s-agent.service', managedBy: 'systemd' }],
    ['an rke2 server', { '/proc/9/comm': 'rke2\n', '/proc/9/cmdline': '/usr/local/bin/rke2\0server\0', '/proc/9/cgroup': '0::/system.slice/rke2-server.service\n', '/run/systemd/system/.keep': '' }, 'rke2', { role: 'server', unit: 'rke2-server.service' }],
    ['k3s started by hand (no systemd)', { '/proc/9/comm': 'k3s-server\n', '/proc/9/cmdline': 'k3s\0server\0', '/proc/9/cgroup': '0::/user.slice/session-1.scope\n' }, 'k3s', { role: 'server', managedBy: 'none' }],
    ['k3s kubectl is no agent', { '/proc/9/comm': 'k3s\n', '/proc/9/cmdline': 'k3s\0kubectl\0get\0pods\0' }, 'k3s', undefined],
    ['no k3s at all', { '/proc/9/comm': 'bash\n', '/proc/9/cmdline': 'bash\0' }, 'k3s', undefined],
  ])('%s', async (_what, tree, kind, expected) => {
    const found = await findK3s(host(tree).ports.files, kind);
    if (expected === undefined) expect(found).toBeUndefined();
    else expect(found).toMatchObject(expected);
  });
});

describe('detect and select', () => {
  it('finds an installed but stopped k3s by its config dir; a named join takes it, auto does not', async () => {
    const { ports } = host({ '/etc/rancher/k3s/registries.yaml': 'mirrors: {}\n' });
    const sessions = await k3sRuntime.detect(ports);
    expect(sessions.map((s) => [s.id, s.running])).toEqual([['k3s', false]]);
    expect(selectSessions(sessions, ['k3s']).map((s) => s.id)).toEqual(['k3s']);
    expect(() => selectSessions(sessions, ['auto'])).toThrow(/k3s is not running/);
  });

  it('finds nothing on a node without k3s or rke2', async () => {
    const { ports } = host({ '/etc/hostname': 'node\n' });
    expect(await k3sRuntime.detect(ports)).toEqual([]);
    expect(await rke2Runtime.detect(ports)).toEqual([]);
  });

  it('reads the registries.yaml the running agent was told to read, and its data dir', async () => {
    const { ports } = host(k3sServer);
    const [session] = (await k3sRuntime.detect(ports)) as K3sSession[];
    expect(session!.layout).toMatchObject({ registriesPath: '/srv/registries.yaml', certsDir: '/opt/k3s/agent/etc/containerd/certs.d' });
    const snap = await session!.snapshot(['nexus.example.com'], emptyJournal());
    expect(snap.agent).toEqual({ running: true, unit: 'k3s.service', pid: 4711 });
  });
});

describe('activate and confirm', () => {
  const tree = { ...k3sServer, '/proc/4711/cmdline': '/usr/local/bin/k3s\0server\0', '/etc/rancher/k3s/config.yaml': '' };

  async function joined(onRun?: (h: FakeHost) => void) {
    const h: FakeHost = host(tree, { onRun: () => onRun?.(h) });
    const [session] = (await k3sRuntime.detect(h.ports)) as K3sSession[];
    const snap = await session!.snapshot(['nexus.example.com'], emptyJournal());
    const plan = session!.plan(snap, desired(), undefined, { journal: emptyJournal(), now: NOW });
    return { h, session: session!, plan };
  }

  // Written by the fake k3s "now" on the fake clock (memfs would stamp the real time).
  const generate = (h: FakeHost, name: string, text: string) => {
    h.fs.mkdirSync(`${CERTS}/${name}`, { recursive: true });
    h.fs.writeFileSync(`${CERTS}/${name}/hosts.toml`, text);
    h.fs.utimesSync(`${CERTS}/${name}/hosts.toml`, h.now() / 1000, h.now() / 1000);
  };

  it('restarts the unit, then sees k3s running with hosts.toml naming the mirror and the CA', async () => {
    const { h, session, plan } = await joined((x) => {
      x.advance(2000); // the restart takes a while; k3s writes the files as it starts
      generate(x, 'docker.io', '# File generated by k3s. DO NOT EDIT.\nserver = "https://registry-1.docker.io/v2"\n[host."https://nexus.example.com/v2"]\n');
      generate(x, 'nexus.example.com', '# File generated by k3s. DO NOT EDIT.\nserver = "https://nexus.example.com/v2"\nca = ["/etc/rancher/k3s/regsetup/nexus.example.com/ca.crt"]\n[host]\n');
    });
    const log: string[] = [];
    await session.activate(plan, (l) => log.push(l));
    expect(h.runs).toEqual([['systemctl', 'restart', 'k3s.service']]);
    expect(log.join('\n')).toContain(`restarting k3s (systemctl restart k3s.service); it writes containerd's hosts.toml from ${REGISTRIES}`);
    expect(await session.confirm(plan, 'after', { timeoutMs: 5000, pollMs: 500 })).toBeUndefined();
  });

  it.each<[string, (h: FakeHost) => void, RegExp]>([
    ['no hosts.toml', () => undefined, /docker\.io\/hosts\.toml was not generated/],
    ['a hosts.toml without the CA', (x) => {
      generate(x, 'docker.io', '[host."https://nexus.example.com/v2"]\n');
      generate(x, 'nexus.example.com', 'server = "https://nexus.example.com/v2"\n');
    }, /nexus\.example\.com\/hosts\.toml does not name \/etc\/rancher\/k3s\/regsetup\/nexus\.example\.com\/ca\.crt/],
    ['k3s did not come back', (x) => x.fs.rmSync('/proc/4711', { recursive: true }), /the agent is not running/],
  ])('says what is wrong at the deadline: %s', async (_what, after, problem) => {
    const { session, plan } = await joined(after);
    await session.activate(plan, () => undefined);
    expect(await session.confirm(plan, 'after', { timeoutMs: 3000, pollMs: 500 })).toMatch(problem);
  });

  it('does not take a hosts.toml from before the restart as proof', async () => {
    const { h, session, plan } = await joined();
    generate(h, 'docker.io', '[host."https://nexus.example.com/v2"]\n');
    generate(h, 'nexus.example.com', 'ca = ["/etc/rancher/k3s/regsetup/nexus.example.com/ca.crt"]\n');
    h.advance(60_000);
    await session.activate(plan, () => undefined);
    expect(await session.confirm(plan, 'after', { timeoutMs: 1000, pollMs: 500 })).toMatch(/is from before the restart/);
  });
});
