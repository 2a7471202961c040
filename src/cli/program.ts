import { Command } from 'commander';
import type { ExitCode } from '../core/errors.js';
import { specs } from './commands-table.js';
import type { CommandContext, GlobalOptions } from './context.js';
import { createOutput } from './output.js';

export type { Runner } from './context.js';

export const exitCodesHelp = `
Exit codes:
  0  done (or nothing to do)
  1  unexpected failure
  2  bad usage or bad input
  3  verification failed
  4  preflight refused, nothing changed
  5  apply failed and was rolled back`;

export interface ProgramIo {
  version: string;
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
  /** Set by the action that ran. */
  result?: Promise<ExitCode>;
}

function globalOptions(cmd: Command, env: NodeJS.ProcessEnv): GlobalOptions {
  const o = cmd.optsWithGlobals();
  return {
    json: Boolean(o.json),
    yes: Boolean(o.yes),
    root: typeof o.root === 'string' ? o.root : '/',
    dockerHost: typeof o.dockerHost === 'string' ? o.dockerHost : env.DOCKER_HOST,
  };
}

export function buildProgram(io: ProgramIo): Command {
  const program = new Command('regsetup')
    .description('Point container hosts at a private registry: daemon.json, CA, credentials, reload, verify.')
    .version(io.version, '-V, --version')
    .option('--json', 'one JSON document on stdout; human text on stderr')
    .option('-y, --yes', 'never prompt (a needed answer without a TTY is an error, not a hang)')
    .option('--root <dir>', 'prefix for every host path (scratch trees, image builds)', '/')
    .option('--docker-host <url>', 'Docker daemon socket (default $DOCKER_HOST, then the local socket)')
    .showHelpAfterError(false)
    .addHelpText('after', exitCodesHelp)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: () => undefined, // usage errors are rendered by main, in one line
    })
    .exitOverride();

  for (const spec of specs) {
    let cmd = program.command(spec.args ? `${spec.name} ${spec.args}` : spec.name).description(spec.summary);
    cmd = spec.configure ? spec.configure(cmd) : cmd;
    cmd
      .addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  ${e}`).join('\n')}\n${exitCodesHelp}`)
      .exitOverride()
      .action(async (...params: unknown[]) => {
        const command = params[params.length - 1] as Command;
        const opts = params[params.length - 2] as Record<string, unknown>;
        const args = params.slice(0, -2).filter((a): a is string => typeof a === 'string');
        const global = globalOptions(command, io.env);
        const ctx: CommandContext = {
          global,
          out: createOutput(global.json, io),
          interactive: io.isTTY && !global.yes && !global.json,
          stdin: io.stdin,
          env: io.env,
        };
        const { run } = await spec.load();
        io.result = run(ctx, args, opts);
        await io.result;
      });
  }
  return program;
}
