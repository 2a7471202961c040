import { CommanderError } from 'commander';
import { ExitCode } from '../core/errors.js';
import { printableJson, redact } from '../core/redact.js';
import { protocolEntries, specAt } from './commands-table.js';
import { errorJson, renderError } from './exit.js';
import { createOutput, humanLine } from './output.js';
import { buildProgram, type ProgramIo } from './program.js';

/** The commands named on the line, as far as they exist (`creds` of `creds fly`): whose help to point at. */
function knownPath(argv: string[]): string[] {
  const path: string[] = [];
  for (const word of argv.filter((a) => !a.startsWith('-'))) {
    if (!specAt([...path, word])) break;
    path.push(word);
  }
  return path;
}

/** Commander's own exits, as our exit codes: help and version are success, the rest is usage. */
function commanderExit(error: CommanderError, io: ProgramIo, argv: string[]): ExitCode {
  if (['commander.helpDisplayed', 'commander.version'].includes(error.code)) return ExitCode.ok;
  if (error.code === 'commander.help') return ExitCode.usage; // bare `regsetup`: help went to stderr
  const where = `regsetup ${[...knownPath(argv), '--help'].join(' ')}`;
  // Commander quotes the argv it did not like: redact it, and never echo a control sequence.
  const message = redact(error.message.replace(/^error: /, ''));
  if (argv.includes('--json')) {
    const command = knownPath(argv).join(' ') || undefined;
    io.stdout.write(`${printableJson(JSON.stringify(errorJson(command, false, { code: 'ERR_USAGE', message, hint: `See '${redact(where)}'.` })))}\n`);
  }
  io.stderr.write(`regsetup: ${humanLine(message)}\nSee '${humanLine(where)}'.\n`);
  return ExitCode.usage;
}

// Loaded with the command, not at start: `--version` and `--help` never pay for node:fs.
const permissionPreflight: ProgramIo['beforeRun'] = async (path, ctx, opts) => (await import('./permission-preflight.js')).permissionPreflight(path, ctx, opts);

/** One command line through commander and the command table; never throws. */
export async function runProgram(argv: string[], io: ProgramIo): Promise<ExitCode> {
  const first = argv[0];
  if (first !== undefined && Object.hasOwn(protocolEntries, first)) {
    return (await (await protocolEntries[first]!()).main(argv.slice(1), io)) as ExitCode;
  }
  const programIo: ProgramIo = Object.defineProperties({ beforeRun: permissionPreflight } as ProgramIo, Object.getOwnPropertyDescriptors(io));
  const program = buildProgram(programIo);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return programIo.result ? await programIo.result : ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error, programIo, argv);
    return renderError(error, programIo.output ?? createOutput(argv.includes('--json'), io));
  }
}
