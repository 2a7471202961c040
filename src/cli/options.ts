import { Command, Option } from 'commander';
import { usageError } from '../core/errors.js';
import { choiceFlag, secondsFlag } from './flag-parsers.js';

// Flag sets shared by several commands, so each flag reads the same everywhere. Each command
// gets only the flags it acts on: `plan` offers no --dry-run (it is one) and no --no-verify.

// A password on the command line ends up in `ps` and shell history: refuse it by name.
const passwordTrap = () =>
  new Option('-p, --password <password>').hideHelp().argParser(() => {
    throw usageError('a password on the command line is visible to every user of this host', 'Pipe it in with --password-stdin, or set REGSETUP_PASSWORD, or use --password-file FILE.');
  });

export const credentialOptions = (cmd: Command) =>
  cmd
    .option('-u, --username <user>', 'registry user name (the password from --password-stdin, --password-file, REGSETUP_PASSWORD, or asked on a terminal)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--password-file <file>', 'read the password from a file')
    .addOption(passwordTrap());

export const verifyOptions = (cmd: Command) =>
  cmd
    .option('--push-registry <host[:port]>', 'where pushes go, when it differs from the registry (a Nexus hosted connector)')
    .option('--hub-image <ref>', 'a Docker Hub image to pull through the mirrors', 'library/hello-world:latest')
    .option('--push-repo <name>', 'repository for the test image', 'regsetup/verify')
    .addOption(secondsFlag('--max-clock-skew <seconds>', 'largest clock offset accepted', { max: 86_400, default: 30 }));

export const dockerConfigOption = (cmd: Command, what = '') =>
  cmd.option('--docker-config <dir>', `Docker config directory${what ? ` ${what}` : ''} (default $DOCKER_CONFIG or ~/.docker)`);

/** Where a CA comes from and how it is trusted: join installs it, doctor installs one that is missing. */
export const caOptions = (cmd: Command, pin: string, tofu: string) =>
  cmd
    .option('--ca-file <path>', 'the registry CA certificate (PEM)')
    .option('--ca-url <url>', 'fetch the CA from this URL (untrusted until the pin or you accept it)')
    .option('--ca-fingerprint <sha256:hex>', pin)
    .option('--trust-on-first-use', tofu);

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export const RESTART_POLICIES = ['auto', 'reload', 'restart', 'never'] as const;

/** What `plan` and `join` share: the desired state and the checks made before any change. */
export const planOptions = (cmd: Command) =>
  caOptions(credentialOptions(verifyOptions(cmd)), 'pin the CA by the SHA-256 of its DER certificate (openssl x509 -fingerprint -sha256 form accepted)', 'accept an unpinned CA without asking (non-interactive)')
    .option('--mirror <url|auto|none>', 'Docker Hub mirror for registry-mirrors, repeatable; auto adds the registry if it serves Docker Hub content (default: auto)', collect)
    .option('--insecure', 'add the registry (and push registry) to insecure-registries: TLS is not checked')
    .addOption(choiceFlag('--restart <policy>', 'how the change takes effect: auto reloads (SIGHUP) and restarts only when it must', RESTART_POLICIES, 'auto'));

export const joinOptions = (cmd: Command) =>
  dockerConfigOption(planOptions(cmd), 'that gets the credential helper')
    .option('--no-verify', 'skip the verification suite after applying')
    .option('--dry-run', 'print the plan as a diff, change nothing (what `regsetup plan` does)');
