import { Command, Option } from 'commander';
import { ExitCode, RegsetupError, usageError } from '../core/errors.js';
import type { CommandContext, GlobalOptions } from './context.js';
import { createOutput } from './output.js';

export type Runner = (ctx: CommandContext, args: string[], opts: Record<string, unknown>) => Promise<ExitCode>;

/** Each command's code is imported only when that command runs: `--version` stays cheap. */
type Loader = () => Promise<{ run: Runner }>;

const exitCodesHelp = `
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

// A password on the command line ends up in `ps` and shell history: refuse it by name.
const passwordTrap = () =>
  new Option('-p, --password <password>').hideHelp().argParser(() => {
    throw usageError('a password on the command line is visible to every user of this host', 'Pipe it in with --password-stdin, or set REGSETUP_PASSWORD, or use --password-file FILE.');
  });

const credentialOptions = (cmd: Command) =>
  cmd
    .option('-u, --username <user>', 'registry user name')
    .option('--password-stdin', 'read the password from standard input')
    .option('--password-file <file>', 'read the password from a file')
    .addOption(passwordTrap());

const verifyOptions = (cmd: Command) =>
  cmd
    .option('--push-registry <host[:port]>', 'where pushes go, when it differs from the registry (a Nexus hosted connector)')
    .option('--hub-image <ref>', 'a Docker Hub image to pull through the mirrors', 'library/hello-world:latest')
    .option('--push-repo <name>', 'repository for the test image', 'regsetup/verify')
    .option('--max-clock-skew <seconds>', 'largest clock offset accepted', '30');

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

const joinOptions = (cmd: Command) =>
  credentialOptions(verifyOptions(cmd))
    .option('--mirror <url|auto|none>', 'Docker Hub mirror for registry-mirrors, repeatable; auto adds the registry if it serves Docker Hub content (default: auto)', collect)
    .option('--insecure', 'add the registry (and push registry) to insecure-registries: TLS is not checked')
    .option('--ca-file <path>', 'the registry CA certificate (PEM)')
    .option('--ca-url <url>', 'fetch the CA from this URL (untrusted until the pin or you accept it)')
    .option('--ca-fingerprint <sha256:hex>', 'pin the CA by the SHA-256 of its DER certificate (openssl x509 -fingerprint -sha256 form accepted)')
    .option('--trust-on-first-use', 'accept an unpinned CA without asking (non-interactive)')
    .option('--restart <auto|reload|restart|never>', 'how the change takes effect: auto reloads (SIGHUP) and restarts only when it must', 'auto')
    .option('--docker-config <dir>', 'Docker config directory that gets the credential helper (default $DOCKER_CONFIG or ~/.docker)')
    .option('--no-verify', 'skip the verification suite after applying')
    .option('--dry-run', 'print the plan as a diff, change nothing');

interface CommandSpec {
  name: string;
  summary: string;
  args?: string;
  examples: string[];
  load: Loader;
  configure?: (cmd: Command) => Command;
}

const notYet = (name: string): Loader => async () => ({
  run: async () => {
    throw new RegsetupError('ERR_NOT_AVAILABLE', `\`regsetup ${name}\` is not available yet in this version`, {
      hint: 'See README.md for what this version can do.',
      exitCode: ExitCode.unexpected,
    });
  },
});

const specs: CommandSpec[] = [
  {
    name: 'join',
    args: '<registry>',
    summary: 'configure this host for a registry, reload the daemon, and verify',
    examples: ['echo "$PW" | regsetup join nexus.example.com --ca-fingerprint sha256:3f… --username ci --password-stdin --yes --json'],
    load: () => import('./commands/join.js'),
    configure: joinOptions,
  },
  {
    name: 'plan',
    args: '<registry>',
    summary: 'print what join would change, change nothing',
    examples: ['regsetup plan nexus.example.com --ca-url https://nexus.example.com/ca.crt --ca-fingerprint sha256:3f…', 'regsetup plan nexus.example.com --json'],
    load: () => import('./commands/plan.js'),
    configure: joinOptions,
  },
  {
    name: 'verify',
    args: '<registry>',
    summary: 'prove this host can pull from and push to the registry, and say why not',
    examples: [
      'regsetup verify nexus.example.com',
      'echo "$PW" | regsetup verify nexus.example.com:8082 --push-registry nexus.example.com:8083 --username ci --password-stdin --json',
    ],
    load: () => import('./commands/verify.js'),
    configure: (c) => credentialOptions(verifyOptions(c)),
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
    load: () => import('./commands/doctor.js'),
    configure: (c) =>
      credentialOptions(verifyOptions(c))
        .option('--fix', 'apply the fixes it can make (with --yes: without asking)')
        .option('--ca-file <path>', 'the CA to install where one is missing (PEM)')
        .option('--ca-url <url>', 'where a missing CA can be fetched (else it is taken from the TLS handshake)')
        .option('--ca-fingerprint <sha256:hex>', 'the pin a fetched CA must match (needed to install a CA under --fix --yes)')
        .option('--trust-on-first-use', 'install an unpinned CA under --fix --yes'),
  },
  {
    name: 'login',
    args: '<registry>',
    summary: 'store credentials in a working credential helper (never plaintext)',
    examples: [
      'echo "$PW" | regsetup login nexus.example.com --username ci --password-stdin',
      'regsetup login nexus.example.com:8083 --username ci --password-file /run/secrets/nexus --docker-config /home/ci/.docker',
    ],
    load: () => import('./commands/login.js'),
    configure: (c) => credentialOptions(c).option('--docker-config <dir>', 'Docker config directory (default $DOCKER_CONFIG or ~/.docker)'),
  },
  {
    name: 'creds',
    args: '<action>',
    summary: 'credentials: `migrate` plaintext auths into the helper, `doctor` to inspect',
    examples: ['regsetup creds migrate --dry-run', 'regsetup creds migrate --yes', 'regsetup creds doctor --json'],
    load: () => import('./commands/creds.js'),
    configure: (c) =>
      c
        .option('--dry-run', 'migrate: list what would move, change nothing')
        .option('--docker-config <dir>', 'Docker config directory (default $DOCKER_CONFIG or ~/.docker)'),
  },
  {
    name: 'leave',
    args: '<registry>',
    summary: 'undo exactly what join did for a registry',
    examples: ['regsetup leave nexus.example.com --yes', 'regsetup leave nexus.example.com --dry-run'],
    load: () => import('./commands/leave.js'),
    configure: (c) =>
      c
        .option('--docker-config <dir>', 'Docker config directory join stored credentials for (default $DOCKER_CONFIG or ~/.docker)')
        .option('--dry-run', 'print what would be undone, change nothing'),
  },
  {
    name: 'status',
    summary: 'what regsetup manages on this host, and any drift from it',
    examples: ['regsetup status', 'regsetup status --json'],
    load: () => import('./commands/status.js'),
  },
  {
    name: 'agent',
    summary: 'keep this host converged on a desired state (long-running)',
    examples: ['regsetup agent --config /etc/regsetup/regsetup.yaml'],
    load: notYet('agent'),
    configure: (c) => c.option('--config <file>', 'desired state file', '/etc/regsetup/regsetup.yaml'),
  },
];

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
