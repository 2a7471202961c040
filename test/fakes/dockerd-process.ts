import type { DockerdProcess } from '../../src/host/dockerd.js';

/** A running system dockerd as findDockerds reports it; override what a test is about. */
export function dockerdProcess(overrides: Partial<DockerdProcess> = {}): DockerdProcess {
  const pid = overrides.pid ?? 4242;
  return {
    pid,
    argv: ['dockerd'],
    configFile: '/etc/docker/daemon.json',
    certsDir: '/etc/docker/certs.d',
    socket: '/var/run/docker.sock',
    managedBy: 'none',
    variant: 'rootful',
    rootless: false,
    uid: 0,
    signalPid: pid,
    ...overrides,
  };
}
