import { snapOf } from '../../host/dockerd-facts.js';
import type { DockerdProcess } from '../../host/dockerd.js';
import type { DockerRecord } from './record.js';

// Each Docker variant on a host is its own session, with its own id (the journal keys its record
// by it): the system's dockerd is `docker` (as ever), a user's rootless one
// `docker-rootless:<uid>`, the docker snap's `docker-snap`. docs/architecture.md "Docker variants".

export const CERTS_DIR = '/etc/docker/certs.d';
export const DEFAULT_DAEMON_JSON = '/etc/docker/daemon.json';

/** Where a Docker session's files are. */
export interface DockerLayout {
  id: string;
  label: string;
  daemonJsonPath: string;
  certsDir: string;
}

const ROOTLESS = 'docker-rootless:';
const SNAP = 'docker-snap';

const snapId = (instance: string) => (instance === 'docker' ? SNAP : `${SNAP}:${instance}`);
const snapLabel = (instance: string) => (instance === 'docker' ? 'dockerd (snap)' : `dockerd (snap ${instance})`);

/** The layout of a running dockerd (undefined: none found, the API alone answers). */
export function layoutOf(d: DockerdProcess | undefined): DockerLayout {
  if (d === undefined) return { id: 'docker', label: 'dockerd', daemonJsonPath: DEFAULT_DAEMON_JSON, certsDir: CERTS_DIR };
  const files = { daemonJsonPath: d.configFile, certsDir: d.certsDir };
  if (d.variant === 'rootless') return { id: `${ROOTLESS}${d.uid}`, label: `dockerd (rootless, ${d.user ?? `uid ${d.uid}`})`, ...files };
  if (d.variant === 'snap') return { id: snapId(d.snap ?? 'docker'), label: snapLabel(d.snap ?? 'docker'), ...files };
  return { id: 'docker', label: 'dockerd', ...files };
}

/** The layout of a journal record whose daemon is not running: what the record and its id say. */
export function recordLayout(id: string, record: DockerRecord): DockerLayout {
  const daemonJsonPath = record.daemonJsonPath;
  const dir = daemonJsonPath.replace(/\/[^/]*$/, '');
  if (id.startsWith(ROOTLESS)) {
    return { id, label: `dockerd (rootless, uid ${id.slice(ROOTLESS.length)})`, daemonJsonPath, certsDir: record.certsDir ?? `${dir}/certs.d` };
  }
  const snap = snapOf(daemonJsonPath);
  if (id === SNAP || id.startsWith(`${SNAP}:`)) {
    const instance = id === SNAP ? 'docker' : id.slice(SNAP.length + 1);
    return { id, label: snapLabel(instance), daemonJsonPath, certsDir: record.certsDir ?? (snap ? `${snap.data}/etc/docker/certs.d` : CERTS_DIR) };
  }
  return { id, label: 'dockerd', daemonJsonPath, certsDir: record.certsDir ?? CERTS_DIR };
}

export const isRootlessId = (id: string): boolean => id.startsWith(ROOTLESS);
