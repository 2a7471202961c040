import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { memfs } from 'memfs';
import { afterEach, describe, expect, it } from 'vitest';
import { findDockerds, reloadDockerd } from '../../src/host/dockerd.js';
import { nodeFiles } from '../../src/host/files.js';
import { NSENTER_HOST } from '../../src/host/mount-ns.js';
import type { Processes } from '../../src/host/processes.js';
import { restartProcess, serviceOf } from '../../src/host/service-restart.js';
import { restartOf } from '../../src/runtimes/docker/daemon-owner.js';
import { proc } from '../fakes/fake-proc.js';

// regsetup in a container with hostPID (deploy/kubernetes/daemonset.yaml): the host's daemons live in
// another mount namespace; their systemd is reached through nsenter, their pidfile through their root.

/** A memfs host whose /proc/<pid>/ns/mnt links name mount namespaces (self = regsetup's own). */
function tree(files: Record<string, string>, ns: Record<string, number>) {
  const { fs } = memfs(files);
  for (const [pid, n] of Object.entries(ns)) {
    fs.mkdirSync(`/proc/${pid}/ns`, { recursive: true });
    fs.symlinkSync(`mnt:[${n}]`, `/proc/${pid}/ns/mnt`);
  }
  return nodeFiles(fs as unknown as Parameters<typeof nodeFiles>[0]);
}

const recorder = () => {
  const log: string[] = [];
  const processes: Processes = {
    run: async (cmd, args) => (log.push([cmd, ...args].join(' ')), { exitCode: 0, stdout: '', stderr: '', timedOut: false }),
    sendSignal: (pid, signal) => void log.push(`kill -${signal} ${pid}`),
    isAlive: () => false,
  };
  return { processes, log };
};

const NSENTER = NSENTER_HOST.join(' ');
// The host's dockerd (pid 900) and a fleet node's (pid 100, a PID namespace of its own: its pidfile says 12).
const HOST_DOCKERD = { ...proc(900, { argv: ['dockerd', '--data-root', '/srv/docker'], cgroup: '0::/../../system.slice/docker.service' }), '/proc/900/root/run/docker.pid': '900\n' };
const NODE_DOCKERD = { ...proc(100, { argv: ['dockerd', '--iptables=false'] }), '/proc/100/root/run/docker.pid': '12\n' };

describe('dockerd from a container (hostPID, another mount namespace)', () => {
  it('is the one whose own pidfile names it, under the host\'s systemd: reloaded with systemctl through nsenter', async () => {
    const files = tree({ ...HOST_DOCKERD, ...NODE_DOCKERD, '/proc/900/root/run/systemd/system/.keep': '' }, { self: 1, 900: 2, 100: 3 });
    const [system, ...rest] = await findDockerds({ files });
    expect(rest).toEqual([]);
    expect(system).toMatchObject({ pid: 900, managedBy: 'systemd', viaNsenter: true, configFile: '/etc/docker/daemon.json', socket: '/var/run/docker.sock' });
    const r = recorder();
    expect(await reloadDockerd({ dockerd: system!, processes: r.processes })).toEqual({ method: 'systemctl' });
    expect(r.log).toEqual([`${NSENTER} systemctl reload docker.service`]);
    expect(restartOf(system, 0)).toEqual({ argv: [...NSENTER_HOST, 'systemctl', 'restart', 'docker.service'] });
  });

  it('without systemd on the host (this lab): only the HUP, which crosses namespaces as it is; no restart', async () => {
    const files = tree({ ...HOST_DOCKERD, ...NODE_DOCKERD }, { self: 1, 900: 2, 100: 3 });
    const [system] = await findDockerds({ files });
    expect(system).toMatchObject({ pid: 900, managedBy: 'none', viaNsenter: true });
    const r = recorder();
    expect(await reloadDockerd({ dockerd: system!, processes: r.processes })).toEqual({ method: 'signal' });
    expect(r.log).toEqual(['kill -SIGHUP 900']);
    expect(restartOf(system, 0)).toBeUndefined();
  });

  it('the init script seen through dockerd\'s root (the host\'s /var/run link taken by name)', async () => {
    const files = tree({ ...HOST_DOCKERD, '/proc/900/root/etc/init.d/docker': '#!/bin/sh\n', '/proc/900/root/run/docker-ssd.pid': '900\n' }, { self: 1, 900: 2 });
    const [system] = await findDockerds({ files });
    expect(system).toMatchObject({ managedBy: 'sysv', viaNsenter: true });
    expect(restartOf(system, 0)).toEqual({ argv: [...NSENTER_HOST, '/etc/init.d/docker', 'restart'] });
  });

  it('on the host itself (one mount namespace) nothing changes: our own pidfile, systemctl run directly', async () => {
    const files = tree({ ...HOST_DOCKERD, '/var/run/docker.pid': '900', '/run/systemd/system/.keep': '' }, { self: 1, 900: 1 });
    const [system] = await findDockerds({ files });
    expect(system).toMatchObject({ pid: 900, managedBy: 'systemd' });
    expect(system).not.toHaveProperty('viaNsenter');
    const r = recorder();
    await reloadDockerd({ dockerd: system!, processes: r.processes });
    expect(r.log).toEqual(['systemctl reload docker.service']);
  });

  it('namespaces that cannot be read (no CAP_SYS_PTRACE) count as one: as on a plain host', async () => {
    const files = tree({ ...HOST_DOCKERD, '/var/run/docker.pid': '900', '/proc/900/root/run/systemd/system/.keep': '' }, { self: 1 });
    expect((await findDockerds({ files }))[0]).toMatchObject({ pid: 900, managedBy: 'none' });
  });
});

describe('containerd from a container: restarted by the host\'s systemd, or not at all', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A real /proc-like tree (serviceOf reads with node:fs): regsetup in ns 1, containerd (pid 42) in `ns`. */
  function procTree(o: { ns: number; systemd: boolean }): string {
    dir = mkdtempSync(join(tmpdir(), 'regsetup-ns-'));
    const put = (path: string, text: string) => (mkdirSync(dirname(join(dir, path)), { recursive: true }), writeFileSync(join(dir, path), text));
    const link = (path: string, target: string) => (mkdirSync(dirname(join(dir, path)), { recursive: true }), symlinkSync(target, join(dir, path)));
    link('proc/self/ns/mnt', 'mnt:[1]');
    link('proc/42/ns/mnt', `mnt:[${o.ns}]`);
    // A cgroup namespace of the container's own: the host's path seen from below.
    put('proc/42/cgroup', '0::/../../system.slice/containerd.service\n');
    put('proc/42/stat', '42 (containerd) S 1');
    put('proc/42/cmdline', 'containerd\0');
    if (o.systemd) mkdirSync(join(dir, 'proc/42/root/run/systemd/system'), { recursive: true });
    return join(dir, 'proc');
  }

  it('under the host\'s systemd: nsenter -t 1 -m -u -i -n -p -- systemctl restart containerd.service, never a signal', async () => {
    const procRoot = procTree({ ns: 2, systemd: true });
    const service = serviceOf(42, procRoot, join(dir, 'no-systemd-here'));
    expect(service).toEqual({ how: 'systemd', unit: 'containerd.service', viaNsenter: true });
    const r = recorder();
    expect(await restartProcess(42, { processes: r.processes, proc: procRoot }, { service })).toBeUndefined();
    expect(r.log).toEqual([`${NSENTER} systemctl restart containerd.service`]);
  });

  it('no systemd on the host: out of reach (a process started from here would die with the container); refused, nothing signalled', async () => {
    const procRoot = procTree({ ns: 2, systemd: false });
    const service = serviceOf(42, procRoot, join(dir, 'no-systemd-here'));
    expect(service).toEqual({ how: 'unreachable' });
    const r = recorder();
    await expect(restartProcess(42, { processes: r.processes, proc: procRoot }, { service })).rejects.toMatchObject({ code: 'ERR_RESTART_FAILED', message: expect.stringContaining('another mount namespace') });
    expect(r.log).toEqual([]);
  });

  it('nsenter missing from the image: the hint says what the container needs', async () => {
    const procRoot = procTree({ ns: 2, systemd: true });
    const processes: Processes = { ...recorder().processes, run: async () => ({ exitCode: 127, stdout: '', stderr: 'nsenter: command not found', timedOut: false }) };
    await expect(restartProcess(42, { processes, proc: procRoot }, { service: serviceOf(42, procRoot) })).rejects.toMatchObject({ code: 'ERR_RESTART_FAILED', hint: expect.stringContaining('CAP_SYS_CHROOT') });
  });

  it('the same mount namespace: a plain process, restarted as before', () => {
    const procRoot = procTree({ ns: 1, systemd: true });
    expect(serviceOf(42, procRoot, join(dir, 'no-systemd-here'))).toEqual({ how: 'process' });
  });
});
