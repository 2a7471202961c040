import { ExitCode, RegsetupError, isRegsetupError } from '../core/errors.js';
import { nodeFiles } from '../host/files.js';
import { rooted } from '../host/host-path.js';

// One agent per host: a pid file taken with O_EXCL (host/lock-file.ts: a pid that no longer runs is
// stale and replaced). A second agent is told at once who holds it, and exits 2.

export const AGENT_PID_FILE = '/run/regsetup/agent.pid';

export async function asSingleInstance<T>(root: string, fn: () => Promise<T>): Promise<T> {
  const files = rooted(nodeFiles(undefined, { timeoutMs: 0 }), root);
  await files.mkdirp('/run/regsetup', 0o755);
  try {
    return await files.withLock(AGENT_PID_FILE, fn);
  } catch (error) {
    if (!isRegsetupError(error) || error.code !== 'ERR_LOCKED' || !error.message.includes(AGENT_PID_FILE)) throw error;
    const holder = (await files.readText(AGENT_PID_FILE))?.trim() || 'unknown';
    throw new RegsetupError('ERR_AGENT_RUNNING', `another regsetup agent runs on this host (pid ${holder}; ${AGENT_PID_FILE})`, {
      hint: `Use \`regsetup agent status\` to ask it, or stop it first (kill ${holder}).`,
      exitCode: ExitCode.usage,
    });
  }
}
