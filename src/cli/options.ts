import { Command, Option } from 'commander';
import { usageError } from '../core/errors.js';
import { choiceFlag, choicesFlag, hubImageFlag, repositoryFlag, secondsFlag } from './flag-parsers.js';

// Flag sets shared by several commands, so each flag reads the same everywhere. Each command
// gets only the flags it acts on: `plan` offers no --dry-run (it is one) and no --no-verify.

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export const RUNTIME_CHOICES = ['auto', 'docker', 'containerd', 'podman', 'crio', 'k3s', 'rke2'] as const;

export const runtimeOption = (cmd: Command, what: string) =>
  cmd.addOption(choicesFlag('--runtime <name>', `${what}, repeatable; auto (the default) is every runtime running here`, RUNTIME_CHOICES));

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
    .addOption(hubImageFlag('--hub-image <ref>', 'a Docker Hub image to pull through the mirrors').default('library/hello-world:latest'))
    .addOption(repositoryFlag('--push-repo <name>', 'repository for the test image').default('regsetup/verify'))
    .addOption(secondsFlag('--max-clock-skew <seconds>', 'largest clock offset accepted', { max: 86_400, default: 30 }));

export const dockerConfigOption = (cmd: Command, what = '') =>
  cmd.option('--docker-config <dir>', `Docker config directory${what ? ` ${what}` : ''} (default $DOCKER_CONFIG or ~/.docker)`);

/** Where a CA comes from and how it is trusted: join installs it, doctor installs one that is missing. */
export const caOptions = (cmd: Command, pin: string, tofu: string) =>
  cmd
    .option('--ca-file <path>', 'the registry CA certificate (PEM)')
    .option('--ca-url <url>', 'fetch the CA from this URL (untrusted until the pin or you accept it)')
    .option('--ca-fingerprint <sha256:hex>', `${pin}; repeatable (any match accepts)`, collect)
    .option('--trust-on-first-use', tofu);

export const RESTART_POLICIES = ['auto', 'reload', 'restart', 'never'] as const;
/** What `plan` and `join` share: the desired state and the checks made before any change. */
export const planOptions = (cmd: Command) =>
  runtimeOption(
    caOptions(credentialOptions(verifyOptions(cmd)), 'pin the CA: SHA-256 of its DER certificate (openssl x509 -fingerprint -sha256) or of its public key (kubeadm\'s ca-cert-hash)', 'accept an unpinned CA from --ca-url or the handshake without asking'),
    'the runtimes to configure',
  )
    .option('--mirror <url|auto|none>', 'Docker Hub mirror, repeatable; auto adds the registry if it serves Docker Hub content (default: auto)', collect)
    .option('--mirror-for <upstream=url>', 'a mirror of another upstream, e.g. ghcr.io=https://nexus:8083; repeatable (containerd and podman use it, Docker cannot)', collect)
    .option('--client-cert <file>', 'client certificate (PEM) to present to the registry, with --client-key')
    .option('--client-key <file>', 'the client certificate\'s private key (PEM)')
    .option('--kubelet-credential-provider', 'install a kubelet credential provider that answers from the regsetup helper (containerd nodes)')
    .option('--migrate-containerd-mirrors', 'move a deprecated registry.mirrors section of containerd\'s config.toml into hosts.toml')
    .option('--k3s-store-auth-plaintext', 'write the credentials into k3s registries.yaml (plaintext: k3s takes them nowhere else)')
    .option('--insecure', 'add the registry (and push registry) to insecure-registries: TLS is not checked')
    .addOption(choiceFlag('--restart <policy>', 'how the change takes effect: auto reloads (SIGHUP) and restarts only when it must', RESTART_POLICIES, 'auto'));

export const joinOptions = (cmd: Command) =>
  dockerConfigOption(planOptions(cmd), 'that gets the credential helper')
    .option('--no-verify', 'skip the verification suite after applying')
    .option('--dry-run', 'print the plan as a diff, change nothing (what `regsetup plan` does)');
