import { Command } from 'commander';
import { PassThrough } from 'node:stream';
import type { ExitCode } from '../core/errors.js';
import { specs, type CommandSpec } from './commands-table.js';
import type { CommandContext, GlobalOptions } from './context.js';
import { exitCodeMeanings } from '../core/exit-codes.js';
import { dockerHostFlag } from './flag-parsers.js';
import { HELP_WIDTH, examplesText, exitCodesText } from './help.js';
import { createOutput, type Output } from './output.js';

export type { Runner } from './context.js';

export interface ProgramIo {
  version: string;
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
  /** stderr when it is a terminal: where progress spinners may go. */
  progressStream?: NodeJS.WriteStream;
  /** Set by the action that ran. */
  result?: Promise<ExitCode>;
  /** Set by the action that ran: where its error goes, with what it had changed. */
  output?: Output;
  /** Runs before a command's code is loaded (the permission preflight); throws to refuse. */
  beforeRun?: (path: readonly string[], ctx: CommandContext, opts: Record<string, unknown>) => Promise<void>;
}

const topExamples = [
  'echo "$PW" | regsetup join nexus.example.com --ca-fingerprint sha256:3f… --username ci --password-stdin --yes',
  'regsetup plan nexus.example.com',
  'regsetup verify nexus.example.com --json',
  'regsetup doctor --fix',
  'regsetup status',
  'regsetup leave nexus.example.com --yes',
];

const topNotes = `
Every command has --help with its own flags, the global options, examples and exit codes.
Error codes: docs/errors.md, or man regsetup. Completion: regsetup completion bash|zsh.
`;

function globalOptions(cmd: Command, env: NodeJS.ProcessEnv): GlobalOptions {
  const o = cmd.optsWithGlobals();
  return {
    json: Boolean(o.json),
    yes: Boolean(o.yes),
    root: typeof o.root === 'string' ? o.root : '/',
    dockerHost: typeof o.dockerHost === 'string' ? o.dockerHost : env.DOCKER_HOST,
  };
}

/** The full name of a command, as typed: `creds migrate`. */
export const commandPath = (cmd: Command): string[] => (cmd.parent ? [...commandPath(cmd.parent), cmd.name()] : []);

function addCommand(parent: Command, spec: CommandSpec, io: ProgramIo): void {
  let cmd = parent.command(spec.args ? `${spec.name} ${spec.args}` : spec.name).description(spec.summary);
  cmd = spec.configure ? spec.configure(cmd) : cmd;
  if (spec.argChoices) cmd.registeredArguments[0]?.choices(spec.argChoices);
  cmd.addHelpText('after', `${examplesText(spec.examples)}${exitCodesText(spec.exits)}`).exitOverride();
  for (const sub of spec.subcommands ?? []) addCommand(cmd, sub, io);
  const load = spec.load;
  if (!load) return;
  cmd.action(async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const opts = params[params.length - 2] as Record<string, unknown>;
    const args = params.slice(0, -2).filter((a): a is string => typeof a === 'string');
    const global = globalOptions(command, io.env);
    const action = spec.namedActions && args[0] !== undefined && spec.argChoices?.includes(args[0]) ? [args[0]] : [];
    const ctx: CommandContext = {
      global,
      out: createOutput(global.json, io, { progressStream: io.progressStream, env: io.env, command: [...commandPath(command), ...action].join(' ') }),
      interactive: io.isTTY && !global.yes && !global.json,
      stdin: io.stdin,
      env: io.env,
    };
    io.output = ctx.out;
    await io.beforeRun?.(commandPath(command), ctx, opts);
    const { run } = await load();
    io.result = run(ctx, args, opts);
    await io.result;
  });
}

export function buildProgram(io: ProgramIo): Command {
  const program = new Command('regsetup')
    .description('Point container hosts at a private registry: daemon.json, CA, credentials, reload, verify.')
    .configureHelp({ helpWidth: HELP_WIDTH, showGlobalOptions: true })
    .version(io.version, '-V, --version')
    .option('--json', 'one JSON document on stdout; human text on stderr')
    .option('-y, --yes', 'never prompt (a needed answer without a TTY is an error, not a hang)')
    .option('--root <dir>', 'prefix for every host path (scratch trees, image builds)', '/')
    .addOption(dockerHostFlag('--docker-host <url>', 'Docker daemon socket (default $DOCKER_HOST, then the local socket)'))
    .showHelpAfterError(false)
    .addHelpText('after', `${examplesText(topExamples)}${exitCodesText(exitCodeMeanings)}${topNotes}`)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: () => undefined, // usage errors are rendered by main, in one line
    })
    .exitOverride();
  for (const spec of specs) addCommand(program, spec, io);
  return program;
}

/** The program's definitions alone (completion, man page): no streams behind it. */
export function describeProgram(version = '0.0.0'): Command {
  const sink = { write: () => true };
  return buildProgram({ version, stdout: sink, stderr: sink, stdin: new PassThrough(), env: {}, isTTY: false });
}
