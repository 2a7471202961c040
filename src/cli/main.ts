import { ExitCode } from '../core/errors.js';
import { quietOnClose } from './closed-pipe.js';
import type { ProgramIo } from './program.js';
import { version } from './version.js';

// What scripts and configuration management ask most, and what start-up is measured by: answered
// before commander, the command table and their modules load (commander would print the same).
const VERSION_ONLY = new Set(['--version', '-V']);

/** Runs one command line and returns its exit code; never throws. */
export async function runCli(argv: string[], io: Omit<ProgramIo, 'version'>): Promise<ExitCode> {
  if (argv.length === 1 && VERSION_ONLY.has(argv[0]!)) {
    io.stdout.write(`${version}\n`);
    return ExitCode.ok;
  }
  const { runProgram } = await import('./run-program.js');
  // Getters, not a spread, which would read them all (see main).
  return runProgram(argv, {
    get stdout() {
      return io.stdout;
    },
    get stderr() {
      return io.stderr;
    },
    env: io.env,
    get stdin() {
      return io.stdin;
    },
    get isTTY() {
      return io.isTTY;
    },
    get progressStream() {
      return io.progressStream;
    },
    version,
  });
}

/** The process entry point: the only place that sets the exit code. */
export async function main(argv: string[]): Promise<void> {
  // Getters: process.stdin, stdout and stderr each build a stream (a socket, for a pipe) on
  // first read; a run builds only those it uses. A closed one ends the program quietly.
  let stdout: ProgramIo['stdout'] | undefined;
  let stderr: ProgramIo['stderr'] | undefined;
  const code = await runCli(argv, {
    get stdout() {
      return (stdout ??= quietOnClose(process.stdout));
    },
    get stderr() {
      return (stderr ??= quietOnClose(process.stderr));
    },
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    get isTTY() {
      return Boolean(process.stdin.isTTY && process.stderr.isTTY);
    },
    get progressStream() {
      return process.stderr.isTTY ? process.stderr : undefined;
    },
  });
  process.exitCode = code;
}
