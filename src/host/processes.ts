
export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  /** Added to the inherited environment. */
  env?: Record<string, string>;
}

export interface RunResult {
  /** 127 when the command does not exist, 124 when it timed out (the shell conventions). */
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** The processes port: steps take this so tests can pass a fake. */
export interface Processes {
  run(cmd: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
  sendSignal(pid: number, signal: NodeJS.Signals): void;
  isAlive(pid: number): boolean;
}

/**
 * Run a command and always resolve. We never surface execa's own `message`/`command`
 * fields: they embed the argv, and helper or login commands can carry secrets there.
 */
export async function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  // Loaded on first use: most commands never start a process, and execa costs ~80 ms to load.
  const { execa } = await import('execa');
  const result = await execa(cmd, args, {
    reject: false,
    // A child must never wait for a terminal that nobody will type into.
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
    timeout: options.timeoutMs,
    env: options.env,
    extendEnv: true,
    stripFinalNewline: true,
  });
  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  if (result.timedOut) return { exitCode: 124, stdout, stderr, timedOut: true };
  if (result.exitCode === undefined) {
    const notFound = (result as { code?: string }).code === 'ENOENT';
    return { exitCode: notFound ? 127 : 1, stdout, stderr: stderr || (notFound ? `${cmd}: command not found` : `${cmd}: failed to start`), timedOut: false };
  }
  return { exitCode: result.exitCode, stdout, stderr, timedOut: false };
}

export function sendSignal(pid: number, signal: NodeJS.Signals): void {
  process.kill(pid, signal);
}

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else — still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const processes: Processes = { run, sendSignal, isAlive };
