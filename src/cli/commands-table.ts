import type { Command } from 'commander';
import { caOptions, credentialOptions, dockerConfigOption, joinOptions, runtimeOption, verifyOptions } from './options.js';
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
  load: Loader;
  configure?: (cmd: Command) => Command;
}

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
    load: () => import('./commands/login.js'),
    configure: (c) => dockerConfigOption(credentialOptions(c)),
  },
  {
    name: 'creds',
    args: '<action>',
    summary: 'credentials: `migrate` plaintext auths into the helper, `doctor` to inspect',
    examples: ['regsetup creds migrate --dry-run', 'regsetup creds migrate --yes', 'regsetup creds doctor --json'],
    load: () => import('./commands/creds.js'),
    configure: (c) =>
      dockerConfigOption(c.option('--dry-run', 'migrate: list what would move, change nothing')),
  },
  {
    name: 'leave',
    args: '<registry>',
    summary: 'undo exactly what join did for a registry',
    examples: ['regsetup leave nexus.example.com --yes', 'regsetup leave nexus.example.com --dry-run'],
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
    load: () => import('./commands/agent.js'),
    configure: (c) =>
      c
        .option('--config <file>', 'desired state file', DEFAULT_DESIRED_FILE)
        .option('--once', 'converge once, report and exit (0 when converged and healthy)')
        .option('--interval <duration>', 'full check period, network included (e.g. 30s, 5m; default from the file, else 5m)')
        .option('--mode <repair|report>', 'repair drift, or only report it (default from the file, else repair)')
        .option('--listen <host:port>', '/healthz and /metrics over TCP too, e.g. 127.0.0.1:9324')
        .option('--socket <path>', 'the unix socket of /healthz, /metrics and `agent status` (default /run/regsetup/agent.sock)'),
  },
  {
    name: 'config',
    args: '<action> [file]',
    summary: 'config validate [FILE]: check the desired-state file, each problem with its line and column',
    examples: ['regsetup config validate', 'regsetup config validate /etc/regsetup/regsetup.yaml --json'],
    load: () => import('./commands/config.js'),
  },
  {
    name: 'profile',
    args: '<registry>',
    summary: 'print the profile a registry team publishes for `join --profile`, from the flags of that join',
    examples: ['regsetup profile nexus.example.com --push-registry nexus.example.com:8083 --ca-url https://nexus.example.com/ca.crt --runtime docker > regsetup.json'],
    load: () => import('./commands/profile.js'),
    configure: joinOptions,
  },
];
