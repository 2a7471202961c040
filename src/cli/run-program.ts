import { CommanderError } from 'commander';
import { ExitCode } from '../core/errors.js';
import { renderError } from './exit.js';
import { createOutput } from './output.js';
import { buildProgram, type ProgramIo } from './program.js';

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

/** One command line through commander and the command table; never throws. */
export async function runProgram(argv: string[], io: ProgramIo): Promise<ExitCode> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return io.result ? await io.result : ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error, io, argv);
    return renderError(error, createOutput(argv.includes('--json'), io));
  }
}
