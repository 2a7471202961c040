import { specAt } from '../cli/commands-table.js';
import { allCommands, globalFlags, type CommandModel, type FlagModel } from '../cli/command-model.js';
import { ISSUES_URL } from '../cli/exit.js';
import { fullExitTable } from '../cli/help.js';
import { exitCodeMeanings } from '../core/exit-codes.js';

// roff: a leading dot or quote would be read as a request; backslashes and dashes are escapes.
const roff = (text: string) => text.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/gm, '\\&$1');
const bold = (text: string) => `\\fB${roff(text)}\\fR`;

function flagItem(f: FlagModel): string[] {
  const names = [f.short, f.long].filter(Boolean).map((n) => bold(n!)).join(', ');
  const value = f.value ? ` \\fI${roff(f.value)}\\fR` : '';
  const extra = [f.choices ? `one of ${f.choices.join(', ')}` : '', f.defaultValue !== undefined && f.defaultValue !== false ? `default ${JSON.stringify(f.defaultValue)}` : ''].filter(Boolean);
  return ['.TP', `${names}${value}`, roff(`${f.description}${extra.length ? ` (${extra.join('; ')})` : ''}.`)];
}

function commandSection(c: CommandModel): string[] {
  const spec = specAt(c.path);
  const args = c.args.map((a) => (a.required ? `<${a.name}>` : `[${a.name}]`)).join(' ');
  const lines = [`.SS ${roff(`regsetup ${c.path.join(' ')}${args ? ` ${args}` : ''}`)}`, roff(`${c.summary}.`)];
  if (c.flags.length > 0) lines.push('.RS', ...c.flags.flatMap(flagItem), '.RE');
  if (spec && spec.examples.length > 0) lines.push('.PP', 'Examples:', '.RS', '.nf', ...spec.examples.map(roff), '.fi', '.RE');
  if (spec && !spec.subcommands) {
    lines.push('.PP', 'Exit codes:', '.RS', ...fullExitTable(spec.exits).flatMap(([code, meaning]) => ['.TP 4', String(code), roff(meaning)]), '.RE');
  }
  return lines;
}

/** docs/regsetup.1, generated from the commander program by `npm run docs`. */
export function renderManPage(program: CommandModel, version: string): string {
  const commands = allCommands(program).filter((c) => c.path.length > 0);
  return [
    `.\\" Generated from the command definitions (src/cli) by \`npm run docs\`; do not edit by hand.`,
    `.TH REGSETUP 1 "" "regsetup ${version}" "User Commands"`,
    '.SH NAME',
    `regsetup \\- ${roff(program.summary.replace(/^Point/, 'point'))}`,
    '.SH SYNOPSIS',
    `.B regsetup`,
    '[\\fIglobal options\\fR] \\fIcommand\\fR [\\fIoptions\\fR] [\\fIarguments\\fR]',
    '.SH DESCRIPTION',
    roff(
      'regsetup merges registry-mirrors and insecure-registries into the running dockerd\'s daemon.json, installs and pins the registry CA in certs.d, stores credentials in a credential helper (never plaintext), reloads dockerd and confirms the change in docker info, rolling back byte for byte if it did not take, and proves the result by pulling and pushing.',
    ),
    '.SH GLOBAL OPTIONS',
    'Every command takes these.',
    ...globalFlags(program).flatMap(flagItem),
    '.SH COMMANDS',
    ...commands.flatMap(commandSection),
    '.SH EXIT STATUS',
    ...Object.entries(exitCodeMeanings).flatMap(([code, meaning]) => ['.TP 4', code, roff(meaning)]),
    '.PP',
    roff('What each code means for one command is in its section above (status: 3 is drift). Each error carries a stable code (ERR_...): docs/errors.md lists them with their exit code, meaning and what to do.'),
    '.SH ENVIRONMENT',
    '.TP',
    bold('DOCKER_HOST'),
    roff('the Docker daemon socket, when --docker-host is not given.'),
    '.TP',
    bold('DOCKER_CONFIG'),
    roff('the Docker config directory (default ~/.docker).'),
    '.TP',
    bold('REGSETUP_PASSWORD'),
    roff('the registry password, for --username (instead of --password-stdin or --password-file).'),
    '.TP',
    bold('REGSETUP_DEBUG'),
    roff('set to 1 to print the stack of an unexpected failure.'),
    '.TP',
    bold('NO_COLOR'),
    roff('no colours in progress output. Progress (what runs, with its elapsed time) shows only on a terminal: not on a pipe, under --json, with TERM=dumb, or when CI is set.'),
    '.SH FILES',
    '.TP',
    bold('/var/lib/regsetup/state.json'),
    roff('the journal of what regsetup manages (read by leave and status); backups next to it.'),
    '.TP',
    bold('/etc/docker/daemon.json'),
    roff("dockerd's configuration (the running dockerd's --config-file wins)."),
    '.TP',
    bold('/etc/docker/certs.d/'),
    roff('registry CAs, one directory per host[:port].'),
    '.SH BUGS',
    roff(`Report them at ${ISSUES_URL}, with the command you ran, regsetup --version, and its output with REGSETUP_DEBUG=1.`),
    '',
  ].join('\n');
}
