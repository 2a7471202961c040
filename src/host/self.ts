import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * How another program (kubelet, a wrapper script) runs this regsetup: the single executable itself,
 * or this Node with this install's bin/regsetup.
 */
export function selfCommand(): string[] {
  try {
    const sea = createRequire(import.meta.url)('node:sea') as { isSea(): boolean };
    if (sea.isSea()) return [process.execPath];
  } catch {
    // node:sea is missing on old Nodes: not a single executable then.
  }
  return [process.execPath, fileURLToPath(new URL('../../bin/regsetup', import.meta.url))];
}
