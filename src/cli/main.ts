import { CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { ExitCode } from '../core/errors.js';
import { protocolEntries, specAt } from './commands-table.js';
import { quietOnClose } from './closed-pipe.js';
import { renderError } from './exit.js';
import { printableJson, redact } from '../core/redact.js';
import { createOutput, humanLine } from './output.js';
import { buildProgram, type ProgramIo } from './program.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

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
  if (argv.includes('--json')) io.stdout.write(`${printableJson(JSON.stringify({ ok: false, error: { code: 'ERR_USAGE', message, hint: `See '${redact(where)}'.` } }))}\n`);
  io.stderr.write(`regsetup: ${humanLine(message)}\nSee '${humanLine(where)}'.\n`);
  return ExitCode.usage;
}

// Loaded with the command, not at start: `--version` and `--help` never pay for node:fs.
const permissionPreflight: ProgramIo['beforeRun'] = async (path, ctx, opts) => (await import('./permission-preflight.js')).permissionPreflight(path, ctx, opts);

/** Runs one command line and returns its exit code; never throws. */
export async function runCli(argv: string[], io: Omit<ProgramIo, 'version'>): Promise<ExitCode> {
  const first = argv[0];
  if (first !== undefined && Object.hasOwn(protocolEntries, first)) {
    return (await (await protocolEntries[first]!()).main(argv.slice(1), io)) as ExitCode;
  }
  const programIo: ProgramIo = { beforeRun: permissionPreflight, ...io, version };
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
    stdout: quietOnClose(process.stdout),
    stderr: quietOnClose(process.stderr),
    stdin: process.stdin,
    env: process.env,
    isTTY: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    ...(process.stderr.isTTY ? { progressStream: process.stderr } : {}),
  });
  process.exitCode = code;
}
