import type { Command, Option } from 'commander';

/**
 * The commander program as plain data: what completion scripts and the man page are generated
 * from, so they cannot drift from the flags the program really parses.
 */
export interface FlagModel {
  long: string;
  short?: string;
  description: string;
  /** The value's name without brackets (`seconds`), when the flag takes one. */
  value?: string;
  choices?: readonly string[];
  defaultValue?: unknown;
  /** How a shell should complete the value: a file, a directory, or nothing special. */
  complete: 'file' | 'dir' | 'choices' | 'none';
}

export interface ArgModel {
  name: string;
  required: boolean;
  choices?: readonly string[];
}

export interface CommandModel {
  /** `[]` for the program itself, `['creds', 'migrate']` for a subcommand. */
  path: string[];
  summary: string;
  usage: string;
  flags: FlagModel[];
  args: ArgModel[];
  subcommands: CommandModel[];
}

const FILE_VALUES = new Set(['file', 'path']);
const DIR_VALUES = new Set(['dir']);

function flagModel(option: Option): FlagModel {
  const match = /<(.+)>|\[(.+)\]/.exec(option.flags);
  const value = match?.[1] ?? match?.[2];
  const choices = option.argChoices;
  const complete = choices ? 'choices' : value && FILE_VALUES.has(value) ? 'file' : value && DIR_VALUES.has(value) ? 'dir' : 'none';
  return {
    long: option.long!,
    ...(option.short ? { short: option.short } : {}),
    description: option.description,
    ...(value ? { value } : {}),
    ...(choices ? { choices } : {}),
    ...(option.defaultValue !== undefined ? { defaultValue: option.defaultValue } : {}),
    complete,
  };
}

export function modelOf(cmd: Command, path: string[] = []): CommandModel {
  const help = cmd.createHelp();
  return {
    path,
    summary: cmd.description(),
    usage: help.commandUsage(cmd),
    flags: cmd.options.filter((o) => !o.hidden && o.long).map(flagModel),
    args: cmd.registeredArguments.map((a) => ({ name: a.name(), required: a.required, ...(a.argChoices ? { choices: a.argChoices } : {}) })),
    subcommands: cmd.commands.filter((c) => c.name() !== 'help').map((c) => modelOf(c, [...path, c.name()])),
  };
}

/** Every command of the tree, the program first, depth first. */
export const allCommands = (model: CommandModel): CommandModel[] => [model, ...model.subcommands.flatMap(allCommands)];

/** The program's own flags, and --help, which every command takes. */
export const globalFlags = (program: CommandModel): FlagModel[] => [
  ...program.flags,
  { long: '--help', short: '-h', description: 'display help for command', complete: 'none' },
];
