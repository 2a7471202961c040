import { isSea } from 'node:sea';
import { fileURLToPath } from 'node:url';

/**
 * How this regsetup runs, for whatever has to start it again later (the docker CLI starts the
 * credential helper): the single executable (scripts/build-sea.mjs), whose one file is also the
 * helper, or the npm package's scripts under the Node that runs them.
 */
export type SelfInstall =
  | { kind: 'executable'; path: string }
  | { kind: 'node'; node: string; helperScript: string };

export function selfInstall(): SelfInstall {
  if (isSea()) return { kind: 'executable', path: process.execPath };
  // Never reached in the single executable, where import.meta is empty.
  return { kind: 'node', node: process.execPath, helperScript: fileURLToPath(new URL('../../bin/docker-credential-regsetup', import.meta.url)) };
}

/** How another program (kubelet, a wrapper script) runs this regsetup's CLI: the executable, or Node with bin/regsetup. */
export function selfCommand(): string[] {
  const self = selfInstall();
  if (self.kind === 'executable') return [self.path];
  return [self.node, fileURLToPath(new URL('../../bin/regsetup', import.meta.url))];
}
