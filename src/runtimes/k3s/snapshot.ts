import type { RegsetupError } from '../../core/errors.js';
import type { K3sLayout } from './layout.js';

// What the k3s planner knows about the node: plain data read beforehand, so planning is a pure
// function and a test is a literal object.

export interface K3sSnapshot {
  layout: K3sLayout;
  /** undefined when the file does not exist. */
  registriesText?: string;
  registriesStat?: { mode: number; uid: number; gid: number };
  /** Why registries.yaml cannot be read safely (a symlink, not a regular file, huge): the planner refuses with it. */
  registriesProblem?: RegsetupError;
  /** hostPort → file name → content of regsetup's own files under layout.ownDir. */
  ownFiles: Record<string, Record<string, string>>;
  /** Contents of the journal's backups (files[].previous and shared[].previous), keyed by backup path. */
  backups: Record<string, string>;
  agent: {
    running: boolean;
    /** The unit systemd runs it in; undefined without systemd (then regsetup cannot restart it). */
    unit?: string;
    pid?: number;
  };
}

/** The snapshot's content of one of regsetup's own files; undefined when absent or not gathered. */
export function ownFile(snapshot: Pick<K3sSnapshot, 'layout' | 'ownFiles'>, path: string): string | undefined {
  const prefix = `${snapshot.layout.ownDir.replace(/\/+$/, '')}/`;
  if (!path.startsWith(prefix)) return undefined;
  const [hostPort, name, ...rest] = path.slice(prefix.length).split('/');
  if (hostPort === undefined || name === undefined || rest.length > 0) return undefined;
  return snapshot.ownFiles[hostPort]?.[name];
}
