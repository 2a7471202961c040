import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { conflicts, findDockerd, flagSources, hasValidateFlag, reloadDockerd, validateConfig, waitHealthy, type DockerdProcess } from '../../src/host/dockerd.js';
import { nodeFiles } from '../../src/host/files.js';
import { fileError } from '../../src/host/fs-errors.js';
import type { Processes, RunResult } from '../../src/host/processes.js';
import { dockerdProcess } from '../fakes/dockerd-process.js';
import { proc } from '../fakes/fake-proc.js';

const hostFiles = (tree: Record<string, string>) => nodeFiles(memfs(tree).fs);

const STOCK_ARGV = ['/usr/bin/dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock'];

describe('findDockerd', () => {
  it.each([
    {
      name: 'systemd, found through the default pidfile',
      tree: { '/var/run/docker.pid': '812', '/run/systemd/system/.keep': '', ...proc(812, { argv: STOCK_ARGV, cgroup: '0::/system.slice/docker.service' }) },
      want: { pid: 812, argv: STOCK_ARGV, configFile: '/etc/docker/daemon.json', managedBy: 'systemd', rootless: false },
    },
    {
      name: 'stale pidfile (pid reused by nginx), snap dockerd found by scanning',
      tree: {
        '/var/run/docker.pid': '812',
        '/run/systemd/system/.keep': '',
        ...proc(812, { comm: 'nginx' }),
        ...proc(1900, { argv: ['dockerd', '--group', 'docker', '--config-file=/var/snap/docker/current/config/daemon.json'], cgroup: '0::/system.slice/snap.docker.dockerd.service' }),
      },
      want: { pid: 1900, configFile: '/var/snap/docker/current/config/daemon.json', certsDir: '/var/snap/docker/current/etc/docker/certs.d', managedBy: 'snap', variant: 'snap', snap: 'docker' },
    },
    {
      name: 'rootless, HOME from its environment',
      tree: { ...proc(3000, { argv: ['dockerd'], environ: { HOME: '/home/alice', ROOTLESSKIT_STATE_DIR: '/run/user/1000/dockerd-rootlesskit' }, cgroup: '0::/user.slice/user-1000.slice/user@1000.service/app.slice/docker.service' }) },
      want: { pid: 3000, configFile: '/home/alice/.config/docker/daemon.json', managedBy: 'none', rootless: true },
    },
    {
      name: 'rootless, XDG_CONFIG_HOME wins',
      tree: { ...proc(3000, { argv: ['dockerd', '--rootless'], environ: { HOME: '/home/alice', XDG_CONFIG_HOME: '/srv/cfg' } }) },
      want: { configFile: '/srv/cfg/docker/daemon.json', rootless: true },
    },
    {
      name: 'rootless, environ unreadable: HOME from /etc/passwd',
      tree: { '/etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/sh\n', ...proc(3000, { argv: ['dockerd', '--rootless'], uid: 1001 }) },
      want: { configFile: '/home/bob/.config/docker/daemon.json' },
    },
    {
      name: 'sysv: init script present and daemonized',
      tree: { '/var/run/docker.pid': '555', '/var/run/docker-ssd.pid': '555\n', '/etc/init.d/docker': '#!/bin/sh', ...proc(555, { ppid: 1 }) },
      want: { pid: 555, managedBy: 'sysv' },
    },
    {
      name: 'started by hand (and reparented to init)',
      tree: { '/var/run/docker.pid': '555', '/etc/init.d/docker': '#!/bin/sh', ...proc(555, { ppid: 1 }) },
      want: { pid: 555, managedBy: 'none' },
    },
    {
      name: 'two daemons: the one its own pidfile names',
      tree: {
        ...proc(650, { argv: ['dockerd', '--pidfile', '/run/other.pid'] }),
        '/run/user/1000/docker.pid': '700',
        ...proc(700, { argv: ['dockerd', '--pidfile=/run/user/1000/docker.pid'] }),
      },
      want: { pid: 700 },
    },
  ])('$name', async ({ tree, want }) => {
    expect(await findDockerd({ files: hostFiles(tree as Record<string, string>) })).toMatchObject(want);
  });

  it('finds nothing when no dockerd runs', async () => {
    expect(await findDockerd({ files: hostFiles({ ...proc(1, { comm: 'init' }), '/var/run/docker.pid': '9' }) })).toBeUndefined();
  });

  it('looks under --root', async () => {
    const files = hostFiles({ '/scratch/var/run/docker.pid': '812', ...Object.fromEntries(Object.entries(proc(812, {})).map(([k, v]) => [`/scratch${k}`, v])) });
    expect(await findDockerd({ files, root: '/scratch' })).toMatchObject({ pid: 812, configFile: '/etc/docker/daemon.json' });
    expect(await findDockerd({ files })).toBeUndefined();
  });
});

const running = (argv: string[], managedBy: DockerdProcess['managedBy'] = 'systemd'): DockerdProcess => dockerdProcess({ pid: 812, argv, managedBy });
const LIB_UNIT = '/lib/systemd/system/docker.service';
const unit = (execStart: string, extra = '') => `[Unit]\nDescription=Docker\n\n[Service]\nType=notify\n${extra}ExecStart=${execStart}\nExecReload=/bin/kill -s HUP $MAINPID\n`;

describe('flagSources', () => {
  it.each([
    {
      name: 'the running daemon argv',
      tree: {},
      dockerd: running(['/usr/bin/dockerd', '-H', 'fd://', '--insecure-registry=10.0.0.5:5000', '-D']),
      want: [
        { flag: '-H', key: 'hosts', value: 'fd://', source: 'argv of pid 812' },
        { flag: '--insecure-registry', key: 'insecure-registries', value: '10.0.0.5:5000', source: 'argv of pid 812' },
        { flag: '-D', key: 'debug', source: 'argv of pid 812' },
      ],
    },
    {
      name: 'the stock unit',
      tree: { [LIB_UNIT]: unit('/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock') },
      want: [
        { flag: '-H', key: 'hosts', value: 'fd://', source: `${LIB_UNIT} ExecStart` },
        { flag: '--containerd', key: 'containerd', value: '/run/containerd/containerd.sock', source: `${LIB_UNIT} ExecStart` },
      ],
    },
    {
      name: 'a drop-in that resets ExecStart replaces the command',
      tree: {
        [LIB_UNIT]: unit('/usr/bin/dockerd -H fd://'),
        '/etc/systemd/system/docker.service.d/override.conf': '[Service]\nExecStart=\nExecStart=/usr/bin/dockerd --registry-mirror https://m.example.com\n',
      },
      want: [{ flag: '--registry-mirror', key: 'registry-mirrors', value: 'https://m.example.com', source: '/etc/systemd/system/docker.service.d/override.conf ExecStart' }],
    },
    {
      name: 'a drop-in without the reset adds a second command',
      tree: {
        [LIB_UNIT]: unit('/usr/bin/dockerd -H fd://'),
        '/etc/systemd/system/docker.service.d/10-tls.conf': '[Service]\nExecStart=/usr/bin/dockerd --tlsverify\n',
      },
      want: [
        { flag: '-H', key: 'hosts', value: 'fd://', source: `${LIB_UNIT} ExecStart` },
        { flag: '--tlsverify', key: 'tlsverify', source: '/etc/systemd/system/docker.service.d/10-tls.conf ExecStart' },
      ],
    },
    {
      name: 'a unit in /etc replaces the vendor unit',
      tree: { [LIB_UNIT]: unit('/usr/bin/dockerd -H fd://'), '/etc/systemd/system/docker.service': unit('/usr/bin/dockerd --data-root /srv/docker') },
      want: [{ flag: '--data-root', key: 'data-root', value: '/srv/docker', source: '/etc/systemd/system/docker.service ExecStart' }],
    },
    {
      name: "Debian's unit expands $DOCKER_OPTS from /etc/default/docker",
      tree: {
        [LIB_UNIT]: unit('/usr/sbin/dockerd -H fd:// $DOCKER_OPTS', 'EnvironmentFile=-/etc/default/docker\n'),
        '/etc/default/docker': 'DOCKER_OPTS="--insecure-registry reg:5000 -s overlay2"\n',
      },
      want: [
        { flag: '-H', key: 'hosts', value: 'fd://', source: `${LIB_UNIT} ExecStart` },
        { flag: '--insecure-registry', key: 'insecure-registries', value: 'reg:5000', source: '/etc/default/docker DOCKER_OPTS' },
        { flag: '-s', key: 'storage-driver', value: 'overlay2', source: '/etc/default/docker DOCKER_OPTS' },
      ],
    },
    {
      name: 'no unit: the init script reads /etc/default/docker',
      tree: { '/etc/default/docker': "export DOCKER_OPTS='--registry-mirror=https://m.example.com'\n" },
      want: [{ flag: '--registry-mirror', key: 'registry-mirrors', value: 'https://m.example.com', source: '/etc/default/docker DOCKER_OPTS' }],
    },
    {
      name: 'a systemd daemon whose unit does not use DOCKER_OPTS ignores /etc/default/docker',
      tree: { '/run/systemd/system/.keep': '', [LIB_UNIT]: unit('/usr/bin/dockerd'), '/etc/default/docker': 'DOCKER_OPTS="--debug"\n' },
      dockerd: running(['/usr/bin/dockerd']),
      want: [],
    },
    {
      name: 'a daemon running on a host not booted with systemd: the unit does not count',
      tree: { [LIB_UNIT]: unit('/usr/bin/dockerd -H fd://'), '/etc/default/docker': 'DOCKER_OPTS="--debug"\n' },
      dockerd: running(['dockerd', '--data-root', '/srv/d'], 'sysv'),
      want: [
        { flag: '--data-root', key: 'data-root', value: '/srv/d', source: 'argv of pid 812' },
        { flag: '--debug', key: 'debug', source: '/etc/default/docker DOCKER_OPTS' },
      ],
    },
    {
      name: 'continuation lines, quotes, Environment= and ${VAR}',
      tree: {
        '/usr/lib/systemd/system/docker.service': unit('-/usr/bin/dockerd \\\n  --label "env=prod ci" \\\n  ${EXTRA} -G docker', 'Environment="EXTRA=--live-restore"\n'),
      },
      want: [
        { flag: '--label', key: 'labels', value: 'env=prod ci', source: '/usr/lib/systemd/system/docker.service ExecStart' },
        { flag: '-G', key: 'group', value: 'docker', source: '/usr/lib/systemd/system/docker.service ExecStart' },
        { flag: '--live-restore', key: 'live-restore', source: '/usr/lib/systemd/system/docker.service Environment' },
      ],
    },
  ])('$name', async ({ tree, dockerd, want }) => {
    expect(await flagSources({ files: hostFiles(tree as Record<string, string>), dockerd })).toEqual(want);
  });

  it('reads the unit files under --root', async () => {
    const files = hostFiles({ [`/img${LIB_UNIT}`]: unit('/usr/bin/dockerd -H fd://') });
    expect(await flagSources({ files, root: '/img' })).toEqual([{ flag: '-H', key: 'hosts', value: 'fd://', source: `${LIB_UNIT} ExecStart` }]);
  });
});

describe('conflicts', () => {
  const sources = [
    { flag: '-H', key: 'hosts', value: 'fd://', source: `${LIB_UNIT} ExecStart` },
    { flag: '--insecure-registry', key: 'insecure-registries', value: 'a:5000', source: '/etc/default/docker DOCKER_OPTS' },
    { flag: '--config-file', value: '/etc/d.json', source: 'argv of pid 1' },
  ];
  it.each([
    { keys: ['registry-mirrors'], want: [] },
    { keys: ['registry-mirrors', 'insecure-registries'], want: [sources[1]] },
    { keys: ['hosts', 'insecure-registries'], want: [sources[0], sources[1]] },
  ])('writing $keys', ({ keys, want }) => {
    expect(conflicts(keys, sources)).toEqual(want);
  });
});

function fakeProcesses(results: Record<string, Partial<RunResult>> = {}) {
  const log: string[] = [];
  const processes: Processes = {
    run: async (cmd, args) => {
      log.push([cmd, ...args].join(' '));
      return { exitCode: 0, stdout: '', stderr: '', timedOut: false, ...results[cmd] };
    },
    sendSignal: (pid, signal) => {
      log.push(`kill -${signal} ${pid}`);
    },
    isAlive: () => true,
  };
  return { processes, log };
}

describe('reloadDockerd', () => {
  it.each([
    { name: 'systemd', managedBy: 'systemd' as const, results: {}, want: { method: 'systemctl' }, log: ['systemctl reload docker.service'] },
    { name: 'systemctl fails: signal', managedBy: 'systemd' as const, results: { systemctl: { exitCode: 1 } }, want: { method: 'signal' }, log: ['systemctl reload docker.service', 'kill -SIGHUP 812'] },
    { name: 'no manager', managedBy: 'none' as const, results: {}, want: { method: 'signal' }, log: ['kill -SIGHUP 812'] },
  ])('$name', async ({ managedBy, results, want, log }) => {
    const fake = fakeProcesses(results as Record<string, Partial<RunResult>>);
    expect(await reloadDockerd({ dockerd: running(['dockerd'], managedBy), processes: fake.processes })).toEqual(want);
    expect(fake.log).toEqual(log);
  });

  it('explains a signal that cannot be sent', async () => {
    const { processes } = fakeProcesses();
    processes.sendSignal = () => {
      throw Object.assign(new Error('kill EPERM'), { code: 'EPERM' });
    };
    await expect(reloadDockerd({ dockerd: running(['dockerd'], 'none'), processes })).rejects.toMatchObject({ code: 'ERR_RELOAD', hint: expect.stringContaining('root') });
  });
});

describe('waitHealthy', () => {
  const clockAt = () => {
    let now = 0;
    return { clock: { now: () => now }, sleep: async (ms: number) => void (now += ms) };
  };
  it('returns once ping answers', async () => {
    const { clock, sleep } = clockAt();
    let pings = 0;
    const ping = async () => {
      if (++pings < 3) throw new Error('connect ECONNREFUSED');
    };
    expect(await waitHealthy({ ping }, 10_000, { clock, sleep, intervalMs: 500 })).toBe(1000);
  });
  it('gives up after the timeout with the last error', async () => {
    const { clock, sleep } = clockAt();
    const ping = async () => Promise.reject(new Error('Cannot connect to the Docker daemon'));
    await expect(waitHealthy({ ping }, 2_000, { clock, sleep })).rejects.toMatchObject({ code: 'ERR_DOCKER_NOT_READY', message: expect.stringContaining('Cannot connect') });
  });
});

describe('dockerd --validate', () => {
  it.each([
    { version: '20.10.24+dfsg1', want: false },
    { version: '23.0.0', want: true },
    { version: '28.2.2', want: true },
    { version: '29.0.0-rc.1', want: true },
    { version: '', want: false },
  ])('hasValidateFlag($version) = $want', ({ version, want }) => {
    expect(hasValidateFlag(version)).toBe(want);
  });

  it.each([
    { name: 'valid', result: { stdout: 'configuration OK' }, want: { supported: true, ok: true, output: 'configuration OK' } },
    {
      name: 'invalid',
      result: { exitCode: 1, stderr: 'unable to configure the Docker daemon with file /etc/docker/daemon.json: the following directives don\'t match any configuration option: mirrors' },
      want: { supported: true, ok: false },
    },
    { name: 'dockerd 20.10', result: { exitCode: 125, stderr: 'unknown flag: --validate\nSee \'dockerd --help\'.' }, want: { supported: false } },
    { name: 'no dockerd', result: { exitCode: 127, stderr: 'dockerd: command not found' }, want: { supported: false } },
  ])('$name', async ({ result, want }) => {
    const fake = fakeProcesses({ dockerd: result });
    expect(await validateConfig(fake.processes, '/tmp/daemon.json')).toMatchObject(want);
    expect(fake.log).toEqual(['dockerd --validate --config-file /tmp/daemon.json']);
  });
});

describe('dockerd going away while regsetup looks at it', () => {
  const gone = (fs: ReturnType<typeof memfs>['fs'], files: ReturnType<typeof nodeFiles>, vanish: string, afterReading: string) => ({
    ...files,
    readText: async (path: string) => {
      const text = await files.readText(path);
      if (path === afterReading) fs.rmSync(vanish, { recursive: true });
      return text;
    },
  });

  it('is ERR_DOCKERD_GONE (exit 4) once the daemon was picked', async () => {
    const { fs } = memfs({ '/var/run/docker.pid': '812', ...proc(812, { argv: STOCK_ARGV }) });
    const files = gone(fs, nodeFiles(fs), '/proc/812', '/proc/812/comm');
    await expect(findDockerd({ files })).rejects.toMatchObject({ code: 'ERR_DOCKERD_GONE', exitCode: 4, hint: expect.stringContaining('systemctl start docker') });
  });

  it('a process that exits mid-read (ESRCH) while scanning is just not the daemon', async () => {
    const { fs } = memfs({ ...proc(900, { comm: 'bash' }), ...proc(1900, { argv: ['dockerd'] }) });
    const files = nodeFiles(fs);
    const esrch = { ...files, readText: async (path: string) => (path === '/proc/900/comm' ? Promise.reject(fileError(Object.assign(new Error('gone'), { code: 'ESRCH' }), 'read', path)) : files.readText(path)) };
    expect(await findDockerd({ files: esrch })).toMatchObject({ pid: 1900 });
  });

  it('SIGHUP to a daemon that exited is ERR_DOCKERD_GONE', async () => {
    const dockerd: DockerdProcess = dockerdProcess({ pid: 812 });
    const processes = { run: async () => ({ exitCode: 0, stdout: '', stderr: '', timedOut: false }), isAlive: () => false, sendSignal: () => { throw Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' }); } };
    await expect(reloadDockerd({ dockerd, processes })).rejects.toMatchObject({ code: 'ERR_DOCKERD_GONE', exitCode: 4 });
  });
});
