import type { Command } from 'commander';
import { ExitCode, RegsetupError } from '../core/errors.js';
import { caOptions, credentialOptions, dockerConfigOption, joinOptions, runtimeOption, verifyOptions } from './options.js';
import type { ProtocolIo } from './kubelet-provider-main.js';
import type { Runner } from './context.js';

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

const notYet = (name: string): Loader => async () => ({
  run: async () => {
    throw new RegsetupError('ERR_NOT_AVAILABLE', `\`regsetup ${name}\` is not available yet in this version`, {
      hint: 'See README.md for what this version can do.',
      exitCode: ExitCode.unexpected,
    });
  },
});

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
      runtimeOption(dockerConfigOption(c, 'join stored credentials for'), 'undo only these runtimes').option('--dry-run', 'print what would be undone, change nothing'),
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
