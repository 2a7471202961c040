import type { Command } from 'commander';
import { ExitCode } from '../core/errors.js';
import type { ExitTable } from './help.js';
import { choiceFlag, durationFlag, listenFlag } from './flag-parsers.js';
import { caOptions, credentialOptions, dockerConfigOption, joinOptions, planOptions, runtimeOption, verifyOptions } from './options.js';
import type { ProtocolIo } from './kubelet-provider-main.js';
import type { Runner } from './context.js';

// core/desired-file.ts has it too; not imported here: it would load yaml for `--version`.
const DEFAULT_DESIRED_FILE = '/etc/regsetup/regsetup.yaml';

/** Each command's code is imported only when that command runs: `--version` stays cheap. */
type Loader = () => Promise<{ run: Runner }>;

export interface CommandSpec {
  name: string;
  summary: string;
  args?: string;
  examples: string[];
  /** What its exit codes mean for this command (0 and 1 are always listed). */
  exits: ExitTable;
  load?: Loader;
  configure?: (cmd: Command) => Command;
  /** Subcommands (`creds migrate`); a command with them has no action of its own. */
  subcommands?: CommandSpec[];
  /** The values its one argument takes, when they are a fixed set (completion's shells). */
  argChoices?: readonly string[];
  /** Its argument names what it does (`agent status`): part of the command's name in its --json document. */
  namedActions?: boolean;
}

const { usage, verifyFailed, preflightRefused, rolledBack } = ExitCode;
const badUsage = 'bad usage or bad input (the message names the flag)';

/**
 * Hidden entries that speak another program's protocol on stdin/stdout: no global flags, no
 * --json, not in --help. They return their exit code.
 */
export const protocolEntries: Record<string, () => Promise<{ main: (argv: string[], io: ProtocolIo) => Promise<number> }>> = {
  // kubelet's CredentialProviderConfig runs `regsetup` with args: [kubelet-credential-provider].
  'kubelet-credential-provider': () => import('./kubelet-provider-main.js'),
};

export const specs: CommandSpec[] = [
  {
    name: 'join',
    args: '[registry]',
    summary: 'configure this host for a registry, reload the daemon, and verify',
    examples: [
      'echo "$PW" | regsetup join nexus.example.com --ca-fingerprint sha256:3f… --username ci --password-stdin --yes --json',
      'regsetup join nexus.example.com --profile https://nexus.example.com/regsetup.json --ca-fingerprint sha256:3f… --yes --save',
      'regsetup join --config /etc/regsetup/regsetup.yaml --yes',
    ],
    exits: { 0: 'joined and verified (or already up to date)', [usage]: `${badUsage}; wrong credentials`, [verifyFailed]: 'applied, but verification failed (the change stays; see the failed step)', [preflightRefused]: 'preflight refused (clock skew, CA trust, flag conflict, malformed config, permissions): nothing changed', [rolledBack]: 'dockerd did not take the change: every file was restored' },
    load: () => import('./commands/join.js'),
    configure: (c) =>
      joinOptions(c)
        .option('--save', 'add (or update) the registry in the desired-state file (--config), comments kept')
        .option('--config <file>', `the desired-state file: without <registry>, join every registry it lists (default with --save: ${DEFAULT_DESIRED_FILE})`)
        .option('--profile <url>', "take the registry team's published profile (mirrors, push registry, runtimes, CA URL), trusted only through the --ca-fingerprint CA"),
  },
  {
    name: 'plan',
    args: '<registry>',
    summary: 'print what join would change, change nothing',
    examples: ['regsetup plan nexus.example.com --ca-url https://nexus.example.com/ca.crt --ca-fingerprint sha256:3f…', 'regsetup plan nexus.example.com --json'],
    exits: { 0: 'the plan was printed; nothing changed', [usage]: `${badUsage}; wrong credentials`, [preflightRefused]: 'preflight refused (permissions, clock skew, CA trust, flag conflict, malformed config): join would refuse too' },
    load: () => import('./commands/plan.js'),
    configure: planOptions,
  },
  {
    name: 'verify',
    args: '<registry>',
    summary: 'prove this host can pull from and push to the registry, and say why not',
    examples: [
      'regsetup verify nexus.example.com',
      'echo "$PW" | regsetup verify nexus.example.com:8082 --push-registry nexus.example.com:8083 --username ci --password-stdin --json',
    ],
    exits: { 0: 'every step passed', [usage]: badUsage, [verifyFailed]: 'a step failed (it prints what was seen, the cause and the fix)', [preflightRefused]: 'this user may not open the Docker socket (permissions): no step ran' },
    load: () => import('./commands/verify.js'),
    configure: (c) => runtimeOption(credentialOptions(verifyOptions(c)), 'the runtimes to verify through'),
  },
  {
    name: 'doctor',
    args: '[registry]',
    summary: 'check everything, explain each failure with its cause and fix',
    examples: [
      'regsetup doctor nexus.example.com',
      'regsetup doctor --fix --yes',
      'regsetup doctor nexus.example.com --fix --yes --ca-fingerprint sha256:3f… --json',
    ],
    exits: { 0: 'no error left (warnings do not count)', [usage]: badUsage, [verifyFailed]: 'an error is left (each finding has its cause and fix)', [preflightRefused]: 'refused before anything changed: this user cannot read the journal or open the Docker socket (permissions), or a fix was refused', [rolledBack]: 'a fix failed and was rolled back' },
    load: () => import('./commands/doctor.js'),
    configure: (c) =>
      caOptions(
        credentialOptions(verifyOptions(c)).option('--fix', 'apply the fixes it can make (with --yes: without asking)'),
        'the pin a missing CA must match (needed to install a CA under --fix --yes)',
        'install an unpinned CA under --fix --yes',
      ),
  },
  {
    name: 'login',
    args: '<registry>',
    summary: 'store credentials in a working credential helper (never plaintext)',
    examples: [
      'echo "$PW" | regsetup login nexus.example.com --username ci --password-stdin',
      'regsetup login nexus.example.com:8083 --username ci --password-file /run/secrets/nexus --docker-config /home/ci/.docker',
    ],
    exits: { 0: 'stored in the credential helper', [usage]: `${badUsage}; wrong credentials (nothing stored)`, [preflightRefused]: 'the daemon could not log in (TLS, network), this user may not open the Docker socket (permissions), or the Docker config is another user\'s: nothing stored' },
    load: () => import('./commands/login.js'),
    configure: (c) => dockerConfigOption(credentialOptions(c)),
  },
  {
    name: 'creds',
    summary: 'inspect credentials, and move plaintext ones into the credential helper',
    examples: ['regsetup creds doctor', 'regsetup creds migrate --dry-run', 'regsetup creds migrate --yes'],
    exits: { [usage]: 'no subcommand, or bad usage' },
    subcommands: [
      {
        name: 'migrate',
        summary: 'move plaintext `auths` of config.json into docker-credential-regsetup',
        examples: ['regsetup creds migrate --dry-run', 'regsetup creds migrate --yes', 'regsetup creds migrate --docker-config /home/ci/.docker --yes --json'],
        exits: { 0: 'moved (or nothing to move, or --dry-run)', [usage]: `${badUsage}; no terminal to confirm on and no --yes`, [preflightRefused]: 'the credential store or config.json was refused: nothing changed', [rolledBack]: 'the helper failed midway: what this run stored was erased, config.json untouched' },
        load: () => import('./commands/creds.js').then((m) => ({ run: m.migrate })),
        configure: (c) => dockerConfigOption(c.option('--dry-run', 'list what would move, change nothing')),
      },
      {
        name: 'doctor',
        summary: 'which helper serves each registry, whether the helpers work, plaintext left',
        examples: ['regsetup creds doctor', 'regsetup creds doctor --docker-config /home/ci/.docker --json'],
        exits: { 0: 'every registry is served by a working helper, no plaintext left', [usage]: badUsage, [verifyFailed]: 'a registry is served from plaintext or by a helper that does not work' },
        load: () => import('./commands/creds.js').then((m) => ({ run: m.doctor })),
        configure: (c) => dockerConfigOption(c),
      },
    ],
  },
  {
    name: 'leave',
    args: '<registry>',
    summary: 'undo exactly what join did for a registry',
    examples: ['regsetup leave nexus.example.com --yes', 'regsetup leave nexus.example.com --dry-run'],
    exits: { 0: 'undone (or nothing to undo)', [usage]: `${badUsage}; regsetup never joined that registry`, [preflightRefused]: 'refused before any change (permissions, malformed files)', [rolledBack]: 'dockerd did not take the change: every file was restored' },
    load: () => import('./commands/leave.js'),
    configure: (c) =>
      runtimeOption(dockerConfigOption(c, 'join stored credentials for'), 'undo only these runtimes')
        .option('--dry-run', 'print what would be undone, change nothing')
        .option('--save', 'also remove the registry from the desired-state file (--config)')
        .option('--config <file>', 'the desired-state file', DEFAULT_DESIRED_FILE),
  },
  {
    name: 'status',
    summary: 'what regsetup manages on this host, and any drift from it',
    examples: ['regsetup status', 'regsetup status --json'],
    exits: { 0: 'everything is as joined (or nothing is managed)', [usage]: badUsage, [verifyFailed]: 'drift: something regsetup wrote was changed or removed since', [preflightRefused]: 'the journal cannot be read (permissions, malformed)' },
    load: () => import('./commands/status.js'),
  },
  {
    name: 'agent',
    args: '[action]',
    summary: 'keep this host converged on its desired-state file (long-running); status | install | uninstall',
    examples: [
      'regsetup agent --config /etc/regsetup/regsetup.yaml',
      'regsetup agent --once --mode report --json',
      'regsetup agent status --json',
      'regsetup agent install --config /etc/regsetup/regsetup.yaml',
    ],
    exits: { 0: '--once: converged and healthy; otherwise stopped by SIGTERM/SIGINT', [usage]: `${badUsage}; the desired-state file is missing or invalid; another agent runs (its PID named)`, [verifyFailed]: '--once --mode report: drift found (nothing repaired), or a finding is unhealthy', [preflightRefused]: '--once: a registry was refused (malformed file, pin mismatch, flag conflict): nothing changed for it' },
    argChoices: ['status', 'install', 'uninstall'],
    namedActions: true,
    load: () => import('./commands/agent.js'),
    configure: (c) =>
      c
        .option('--config <file>', 'desired state file', DEFAULT_DESIRED_FILE)
        .option('--once', 'converge once, report and exit (0 when converged and healthy)')
        .addOption(durationFlag('--interval <duration>', 'full check period, network included (e.g. 30s, 5m; default from the file, else 5m)', 1000))
        .addOption(choiceFlag('--mode <mode>', 'repair drift, or only report it; default from the file, else repair', ['repair', 'report']))
        .addOption(listenFlag('--listen <host:port>', '/healthz and /metrics over TCP too, e.g. 127.0.0.1:9324'))
        .option('--socket <path>', 'the unix socket of /healthz, /metrics and `agent status` (default /run/regsetup/agent.sock)'),
  },
  {
    name: 'config',
    summary: 'the desired-state file',
    examples: ['regsetup config validate', 'regsetup config validate /etc/regsetup/regsetup.yaml --json'],
    exits: { [usage]: 'no subcommand, or bad usage' },
    subcommands: [
      {
        name: 'validate',
        args: '[file]',
        summary: 'check the desired-state file, each problem with its line and column',
        examples: ['regsetup config validate', 'regsetup config validate /etc/regsetup/regsetup.yaml --json'],
        exits: { 0: 'the file is valid', [usage]: 'the file is missing or invalid: FILE:LINE:COLUMN: message for each problem' },
        load: () => import('./commands/config.js'),
      },
    ],
  },
  {
    name: 'profile',
    args: '<registry>',
    summary: 'print the profile a registry team publishes for `join --profile`, from the flags of that join',
    examples: ['regsetup profile nexus.example.com --push-registry nexus.example.com:8083 --ca-url https://nexus.example.com/ca.crt --runtime docker > regsetup.json'],
    exits: { 0: 'the profile was printed', [usage]: badUsage },
    load: () => import('./commands/profile.js'),
    configure: joinOptions,
  },
  {
    name: 'completion',
    args: '<shell>',
    summary: 'print a shell completion script (bash or zsh)',
    examples: ['regsetup completion bash > /etc/bash_completion.d/regsetup', 'regsetup completion zsh > "${fpath[1]}/_regsetup"', 'source <(regsetup completion bash)'],
    exits: { 0: 'the script was printed', [usage]: 'a shell other than bash or zsh' },
    argChoices: ['bash', 'zsh'],
    load: () => import('./commands/completion.js'),
  },
];

/** The spec of a command by its path (`['creds', 'migrate']`). */
export function specAt(path: readonly string[]): CommandSpec | undefined {
  let list = specs;
  let found: CommandSpec | undefined;
  for (const name of path) {
    found = list.find((s) => s.name === name);
    if (!found) return undefined;
    list = found.subcommands ?? [];
  }
  return found;
}
