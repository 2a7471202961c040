import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { findDockerds, flagSources, reloadDockerd } from '../../src/host/dockerd.js';
import { nodeFiles } from '../../src/host/files.js';
import type { Processes } from '../../src/host/processes.js';
import { dockerdProcess } from '../fakes/dockerd-process.js';
import { PASSWD, proc, rootlessTree } from '../fakes/fake-proc.js';

const hostFiles = (tree: Record<string, string>) => nodeFiles(memfs(tree).fs);
const SYSTEM = { '/var/run/docker.pid': '812', ...proc(812, { argv: ['/usr/sbin/dockerd', '-H', 'fd://'], cgroup: '0::/system.slice/docker.service' }) };
const USER_UNIT = '0::/user.slice/user-1000.slice/user@1000.service/app.slice/docker.service';

describe('findDockerds: the system dockerd and the rootless ones side by side', () => {
  it('finds both, the system one first, each with its own files, socket and reload target', async () => {
    const tree = { '/etc/passwd': PASSWD, '/run/systemd/system/.keep': '', ...SYSTEM, ...rootlessTree(3000, { uid: 1000, home: '/home/alice', cgroup: USER_UNIT }) };
    const [system, alice, ...rest] = await findDockerds({ files: hostFiles(tree) });
    expect(rest).toEqual([]);
    expect(system).toMatchObject({ pid: 812, variant: 'rootful', uid: 0, configFile: '/etc/docker/daemon.json', certsDir: '/etc/docker/certs.d', socket: '/var/run/docker.sock', managedBy: 'systemd', signalPid: 812 });
    expect(alice).toEqual({
      pid: 3002,
      argv: ['dockerd', '--iptables=false', '--bridge=none'],
      configFile: '/home/alice/.config/docker/daemon.json',
      certsDir: '/home/alice/.config/docker/certs.d',
      socket: '/run/user/1000/docker.sock',
      managedBy: 'systemd-user',
      variant: 'rootless',
      rootless: true,
      uid: 1000,
      user: 'alice',
      // The HUP goes to rootlesskit, past its child (comm "exe"): what the user unit's ExecReload does.
      signalPid: 3000,
      runtimeDir: '/run/user/1000',
    });
  });

  it.each([
    {
      name: 'XDG_CONFIG_HOME and XDG_RUNTIME_DIR of its environment win',
      tree: rootlessTree(3000, { uid: 1000, home: '/home/alice', environ: { XDG_CONFIG_HOME: '/srv/alice/cfg', XDG_RUNTIME_DIR: '/tmp/rt-1000' } }),
      want: { configFile: '/srv/alice/cfg/docker/daemon.json', certsDir: '/srv/alice/cfg/docker/certs.d', socket: '/tmp/rt-1000/docker.sock', runtimeDir: '/tmp/rt-1000' },
    },
    {
      name: 'environ unreadable: the home from /etc/passwd, the runtime dir /run/user/UID',
      tree: { '/etc/passwd': PASSWD, ...proc(3002, { argv: ['dockerd'], uid: 1001 }) },
      want: { configFile: '/home/bob/.config/docker/daemon.json', socket: '/run/user/1001/docker.sock', user: 'bob', signalPid: 3002, managedBy: 'none' },
    },
    {
      name: 'a -H unix socket of its own, and a --config-file',
      tree: rootlessTree(3000, { uid: 1000, home: '/home/alice', argv: ['dockerd', '-H', 'unix:///home/alice/d.sock', '--config-file', '/home/alice/d.json'] }),
      want: { socket: '/home/alice/d.sock', configFile: '/home/alice/d.json', certsDir: '/home/alice/.config/docker/certs.d' },
    },
    {
      name: 'a user unit, but no systemd booted: only signals',
      tree: rootlessTree(3000, { uid: 1000, home: '/home/alice', cgroup: USER_UNIT }),
      want: { managedBy: 'none' },
    },
  ])('rootless: $name', async ({ tree, want }) => {
    const found = await findDockerds({ files: hostFiles(tree as Record<string, string>) });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ variant: 'rootless', ...want });
  });

  it('one rootless dockerd per user: the one $XDG_RUNTIME_DIR/docker.pid names', async () => {
    const tree = {
      ...rootlessTree(3000, { uid: 1000, home: '/home/alice' }),
      ...rootlessTree(4000, { uid: 1000, home: '/home/alice' }),
      '/run/user/1000/docker.pid': '4002',
      ...rootlessTree(5000, { uid: 1001, home: '/home/bob' }),
    };
    expect((await findDockerds({ files: hostFiles(tree) })).map((d) => [d.uid, d.pid, d.signalPid])).toEqual([
      [1000, 4002, 4000],
      [1001, 5002, 5000],
    ]);
  });

  it('one system dockerd only: those of other mount namespaces (fleet nodes) are not this host\'s', async () => {
    const tree = { ...SYSTEM, ...proc(900, { argv: ['dockerd', '--pidfile', '/srv/node1/docker.pid'] }), ...proc(901, { argv: ['dockerd'] }) };
    expect((await findDockerds({ files: hostFiles(tree) })).map((d) => d.pid)).toEqual([812]);
  });

  it.each([
    {
      name: 'the snap (a revision directory, as $SNAP_DATA is), restarted by snapd',
      argv: ['dockerd', '--group', 'docker', '--exec-root=/run/snap.docker', '--pidfile=/run/snap.docker/docker.pid', '--config-file=/var/snap/docker/2963/config/daemon.json'],
      cgroup: '0::/system.slice/snap.docker.dockerd.service',
      want: { variant: 'snap', snap: 'docker', configFile: '/var/snap/docker/2963/config/daemon.json', certsDir: '/var/snap/docker/2963/etc/docker/certs.d', managedBy: 'snap', socket: '/var/run/docker.sock' },
    },
    {
      name: 'a parallel install of the snap',
      argv: ['dockerd', '--config-file=/var/snap/docker_ci/2963/config/daemon.json', '-H', 'unix:///run/docker-ci.sock'],
      cgroup: '0::/system.slice/snap.docker_ci.dockerd.service',
      want: { variant: 'snap', snap: 'docker_ci', certsDir: '/var/snap/docker_ci/2963/etc/docker/certs.d', managedBy: 'snap', socket: '/run/docker-ci.sock' },
    },
    {
      name: 'a system dockerd with a --config-file of its own is not a snap',
      argv: ['dockerd', '--config-file', '/srv/docker/daemon.json'],
      cgroup: '0::/system.slice/docker.service',
      want: { variant: 'rootful', configFile: '/srv/docker/daemon.json', certsDir: '/etc/docker/certs.d', managedBy: 'systemd' },
    },
  ])('$name', async ({ argv, cgroup, want }) => {
    const tree = { '/run/systemd/system/.keep': '', ...proc(1900, { argv, cgroup }) };
    expect(await findDockerds({ files: hostFiles(tree) })).toMatchObject([want]);
  });
});

describe('the variants when they reload', () => {
  const recorder = () => {
    const log: string[] = [];
    const processes: Processes = {
      run: async (cmd, args) => (log.push([cmd, ...args].join(' ')), { exitCode: 0, stdout: '', stderr: '', timedOut: false }),
      sendSignal: (pid, signal) => void log.push(`kill -${signal} ${pid}`),
      isAlive: () => true,
    };
    return { processes, log };
  };

  it.each([
    { name: 'rootless: HUP to rootlesskit, never `systemctl reload docker` (that is the system unit)', dockerd: dockerdProcess({ pid: 3002, variant: 'rootless', rootless: true, uid: 1000, managedBy: 'systemd-user', signalPid: 3000 }), log: ['kill -SIGHUP 3000'] },
    { name: 'snap: HUP to dockerd', dockerd: dockerdProcess({ pid: 1900, variant: 'snap', managedBy: 'snap', snap: 'docker' }), log: ['kill -SIGHUP 1900'] },
  ])('$name', async ({ dockerd, log }) => {
    const r = recorder();
    expect(await reloadDockerd({ dockerd, processes: r.processes })).toEqual({ method: 'signal' });
    expect(r.log).toEqual(log);
  });

  it('a HUP refused to a rootless user names that user', async () => {
    const processes: Processes = { ...recorder().processes, sendSignal: () => { throw Object.assign(new Error('kill EPERM'), { code: 'EPERM' }); } };
    const dockerd = dockerdProcess({ pid: 3002, variant: 'rootless', rootless: true, uid: 1000, user: 'alice', signalPid: 3000 });
    await expect(reloadDockerd({ dockerd, processes })).rejects.toMatchObject({ code: 'ERR_RELOAD', message: expect.stringContaining('rootlesskit (pid 3000'), hint: expect.stringContaining('alice') });
  });

  it('flags of a rootless or snap dockerd come from its command line, not the system unit', async () => {
    const files = hostFiles({ '/run/systemd/system/.keep': '', '/lib/systemd/system/docker.service': '[Service]\nExecStart=/usr/bin/dockerd --registry-mirror https://m.example.com\n' });
    const rootless = dockerdProcess({ pid: 3002, argv: ['dockerd', '--iptables=false'], variant: 'rootless', rootless: true, uid: 1000 });
    expect(await flagSources({ files, dockerd: rootless })).toEqual([{ flag: '--iptables', key: 'iptables', value: 'false', source: 'argv of pid 3002' }]);
    expect((await flagSources({ files, dockerd: dockerdProcess({ pid: 812 }) })).map((f) => f.key)).toContain('registry-mirrors');
  });
});
