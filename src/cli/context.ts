import type { ExitCode } from '../core/errors.js';
import type { Output } from './output.js';

/** Options every command accepts (the "Global options" of every --help; docs/regsetup.1). */
export interface GlobalOptions {
  json: boolean;
  yes: boolean;
  root: string;
  dockerHost: string | undefined;
}

/** What a command gets from the CLI layer; steps pick only what they use. */
export interface CommandContext {
  global: GlobalOptions;
  out: Output;
  interactive: boolean;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
}

export type Runner = (ctx: CommandContext, args: string[], opts: Record<string, unknown>) => Promise<ExitCode>;
