import { CommanderError } from 'commander';
import { ExitCode } from '../core/errors.js';
import { renderError } from './exit.js';
import { createOutput } from './output.js';
import { buildProgram, type ProgramIo } from './program.js';
import { version } from './version.js';

/** Commander's own exits, as our exit codes: help and version are success, the rest is usage. */
function commanderExit(error: CommanderError, io: ProgramIo, argv: string[]): ExitCode {
  if (['commander.helpDisplayed', 'commander.version'].includes(error.code)) return ExitCode.ok;
  if (error.code === 'commander.help') return ExitCode.usage; // bare `regsetup`: help went to stderr
  const sub = argv.find((a) => !a.startsWith('-'));
  const where = sub && error.code !== 'commander.unknownCommand' ? `regsetup ${sub} --help` : 'regsetup --help';
  const message = error.message.replace(/^error: /, '');
  if (argv.includes('--json')) io.stdout.write(`${JSON.stringify({ ok: false, error: { code: 'ERR_USAGE', message, hint: `See '${where}'.` } })}\n`);
  io.stderr.write(`regsetup: ${message}\nSee '${where}'.\n`);
  return ExitCode.usage;
}

/** Runs one command line and returns its exit code; never throws. */
export async function runCli(argv: string[], io: Omit<ProgramIo, 'version'>): Promise<ExitCode> {
  const programIo: ProgramIo = { ...io, version };
  const program = buildProgram(programIo);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return programIo.result ? await programIo.result : ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error, programIo, argv);
    return renderError(error, createOutput(argv.includes('--json'), io));
  }
}

/** The process entry point: the only place that sets the exit code. */
export async function main(argv: string[]): Promise<void> {
  const code = await runCli(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    isTTY: Boolean(process.stdin.isTTY && process.stderr.isTTY),
  });
  process.exitCode = code;
}
