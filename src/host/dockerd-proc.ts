import { isRegsetupError, RegsetupError } from '../core/errors.js';
import type { Files } from './files.js';
import { resolveHostPath } from './host-path.js';
import { otherMountNs } from './mount-ns.js';
import { argvOf } from './proc.js';

// Reading /proc (under --root for tests: a tree with a fake /proc) for the dockerd finder.

export const dockerdGone = (pid: number, cause: unknown) =>
  new RegsetupError('ERR_DOCKERD_GONE', `dockerd (pid ${pid}) exited while regsetup read /proc/${pid}`, {
    hint: 'Start it again (systemctl start docker; journalctl -u docker says why it stopped), then run regsetup again. Nothing was changed.',
    cause,
    exitCode: 4,
  });

export interface ProcReader {
  /** A host file (under --root). */
  read(path: string): Promise<string | undefined>;
  exists(path: string): Promise<boolean>;
  /** /proc/<pid>/<name>; undefined when the process is gone or not ours to read. */
  procOf(pid: number, name: string): Promise<string | undefined>;
  /** As procOf, but the picked daemon vanishing is ERR_DOCKERD_GONE: its files are what we were about to read. */
  proc(pid: number, name: string): Promise<string | undefined>;
  argvOf(pid: number): Promise<string[]>;
  /** The process lives in another mount namespace than regsetup (regsetup in a container with hostPID). */
  otherMountNs(pid: number): Promise<boolean>;
  /** The pid whose vanishing is worth saying. */
  picked?: number;
}

export function procReader(files: Files, root: string | undefined, procRoot: string): ProcReader {
  const read = (path: string) => files.readText(resolveHostPath(root, path));
  const exists = (path: string) => files.exists(resolveHostPath(root, path));
  const reader: ProcReader = {
    read,
    exists,
    // A process may exit between readdir and read (ESRCH, or ENOENT: undefined); another user's
    // environ is not ours to read (EACCES): both mean "nothing to learn here".
    async procOf(pid, name) {
      try {
        return await read(`${procRoot}/${pid}/${name}`);
      } catch (error) {
        if (isRegsetupError(error) && ['ERR_PROCESS_GONE', 'ERR_PERMISSION'].includes(error.code)) return undefined;
        throw error;
      }
    },
    async proc(pid, name) {
      const text = await reader.procOf(pid, name);
      if (text === undefined && pid === reader.picked && name !== 'environ' && !(await exists(`${procRoot}/${pid}`))) throw dockerdGone(pid, undefined);
      return text;
    },
    async argvOf(pid) {
      return argvOf(await reader.proc(pid, 'cmdline'));
    },
    otherMountNs: (pid) => otherMountNs(files, root, procRoot, pid),
  };
  return reader;
}
