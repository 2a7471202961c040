import { ExitCode } from './errors.js';

/**
 * Every ERR_* code regsetup can end with: the one place they are defined. `RegsetupError`
 * takes only these (tsc rejects a typo), docs/errors.md is generated from this table
 * (`npm run docs`), and test/unit/error-codes.test.ts keeps source, table and doc in step.
 * `exit` is the exit code the command ends with when this error stops it; a code that a
 * pure module raises and the commands re-raise differently lists each.
 */
export interface ErrorCodeInfo {
  exit: ExitCode | readonly ExitCode[];
  meaning: string;
  action: string;
}

const { unexpected, usage, verifyFailed, preflightRefused, rolledBack } = ExitCode;

export const errorCodes = {
  ERR_USAGE: { exit: usage, meaning: 'The command line is wrong: an unknown command or flag, a missing argument, or flags that exclude each other.', action: 'Read the one-line message and `regsetup <command> --help`.' },
  ERR_BAD_FLAG: { exit: usage, meaning: 'A flag value has the wrong form (a number, a name, one of a fixed set).', action: 'The message names the flag and the form it takes; give it that.' },
  ERR_BAD_INPUT: { exit: usage, meaning: 'A desired-state entry (flags or a config file) fails validation.', action: 'Each line names the field and what is wrong with it.' },
  ERR_BAD_REGISTRY: { exit: usage, meaning: 'A registry name, or an insecure-registries entry, is not host[:port] or a CIDR.', action: 'Give the registry as images are referenced: `nexus.example.com` or `nexus.example.com:8083`, no scheme or path.' },
  ERR_BAD_MIRROR: { exit: usage, meaning: 'A --mirror URL is not one dockerd accepts (scheme, userinfo, query, path).', action: 'Give `https://host[:port]`, or `auto` / `none`.' },
  ERR_BAD_FINGERPRINT: { exit: usage, meaning: '--ca-fingerprint is not a SHA-256 fingerprint.', action: 'Give `sha256:` and 64 hex digits, or the `openssl x509 -fingerprint -sha256` form.' },
  ERR_BAD_DATE_HEADER: { exit: usage, meaning: 'The registry (or a proxy in front of it) sent a Date header that cannot be read, so the clock cannot be checked.', action: 'Compare with `curl -sI https://<registry>/v2/ | grep -i ^date`; fix the proxy that rewrites it.' },
  ERR_DOCKER_HOST: { exit: usage, meaning: '--docker-host / DOCKER_HOST is not a form regsetup can use.', action: 'Use `unix:///var/run/docker.sock` or `tcp://host:port`.' },
  ERR_PASSWORD_FILE: { exit: usage, meaning: 'The file named by --password-file cannot be read.', action: 'Check the path and that this user may read it.' },
  ERR_EMPTY_PASSWORD: { exit: usage, meaning: 'The password source that was used (stdin, the file, REGSETUP_PASSWORD) is empty.', action: 'The message names the source; put the password there.' },
  ERR_PASSWORD_REQUIRED: { exit: usage, meaning: '--username was given with no password, and there is no terminal to ask on.', action: 'Give the password with --password-stdin, --password-file FILE or REGSETUP_PASSWORD.' },
  ERR_CONFIRMATION_REQUIRED: { exit: usage, meaning: 'The command needs a yes/no answer and there is no terminal to ask on.', action: 'Add --yes to go ahead, or --dry-run to only look.' },
  ERR_NOT_MANAGED: { exit: usage, meaning: 'leave was asked to undo a registry regsetup never joined on this host.', action: '`regsetup status` lists what regsetup manages; settings made by hand are yours to remove.' },
  ERR_AUTH_REJECTED: { exit: [usage, verifyFailed], meaning: 'The registry (or its token service) rejected the user name and password.', action: 'Check both; nothing was changed or stored. Under verify the step fails and the command exits 3.' },
  ERR_CA_FILE: { exit: usage, meaning: 'The file named by --ca-file does not exist or cannot be read.', action: 'Check the path and its permissions.' },
  ERR_PERMISSION: { exit: preflightRefused, meaning: 'This user cannot read or write a path the command needs, or cannot connect to the Docker socket.', action: 'The message names each path and why; run as root (sudo), as the owner of the paths, or point --root / --docker-host elsewhere.' },
  ERR_CLOCK_SKEW: { exit: preflightRefused, meaning: "The registry's clock and this host's disagree by more than --max-clock-skew: certificates and tokens would fail.", action: 'Fix the clock: `timedatectl set-ntp true` or `chronyc makestep`.' },
  ERR_REGISTRY_UNREACHABLE: { exit: preflightRefused, meaning: 'The registry does not answer as a registry (DNS, TCP, TLS or HTTP failed).', action: 'Check the name, the port and the network path; `regsetup verify <registry>` shows which step fails.' },
  ERR_CA_URL: { exit: preflightRefused, meaning: '--ca-url did not answer 200.', action: 'Check the URL with a browser or `curl -k`.' },
  ERR_CA_UNKNOWN: { exit: preflightRefused, meaning: "The registry's CA could not be learnt from its TLS handshake.", action: 'Give the CA with --ca-file or --ca-url.' },
  ERR_CA_INVALID: { exit: preflightRefused, meaning: 'The CA given is not a usable CA certificate (not PEM, not a CA, expired).', action: 'Give the CA certificate itself (basicConstraints CA:TRUE), not the server certificate.' },
  ERR_CA_PIN_MISMATCH: { exit: preflightRefused, meaning: "The CA's SHA-256 fingerprint differs from --ca-fingerprint.", action: 'Check the pin with the registry administrator: a mismatch can mean an interception.' },
  ERR_CA_MISMATCH: { exit: preflightRefused, meaning: "The CA does not validate the registry's certificate.", action: 'Check that it is the CA that signed the certificate and that the certificate names the registry.' },
  ERR_CA_UNPINNED: { exit: preflightRefused, meaning: 'The CA is not pinned and there is no terminal to ask whether to trust it.', action: 'Pin it with --ca-fingerprint (the message prints it), or pass --trust-on-first-use.' },
  ERR_CA_DECLINED: { exit: preflightRefused, meaning: 'The CA was shown on the terminal and not accepted.', action: 'Nothing was changed.' },
  ERR_CA_CONFLICT: { exit: preflightRefused, meaning: 'certs.d already holds another CA for the registry that regsetup did not install.', action: 'Move the old file away if the new CA is right, or pass the old one with --ca-file.' },
  ERR_DAEMON_JSON_MALFORMED: { exit: preflightRefused, meaning: "dockerd's daemon.json is not a JSON object (the message has the line and column).", action: 'Fix the file; regsetup does not rewrite a file it cannot read.' },
  ERR_DAEMON_JSON_INVALID: { exit: [preflightRefused, usage], meaning: 'daemon.json holds, or would hold, entries dockerd refuses.', action: 'Fix the entries the message lists.' },
  ERR_DAEMON_JSON_REJECTED: { exit: preflightRefused, meaning: '`dockerd --validate` refuses the merged daemon.json.', action: 'Nothing was changed; the message has dockerd\'s words.' },
  ERR_FLAG_CONFLICT: { exit: preflightRefused, meaning: 'A key regsetup would write to daemon.json is also given to dockerd as a flag: dockerd would not start.', action: 'Move the flag (the message says where it is set) into daemon.json, or leave that setting out.' },
  ERR_RESTART_REQUIRED: { exit: preflightRefused, meaning: 'The change needs a dockerd restart and --restart reload forbids one.', action: 'Use --restart auto or restart, or --restart never and restart dockerd yourself.' },
  ERR_NO_RESTART: { exit: preflightRefused, meaning: 'The change needs a dockerd restart and regsetup does not know how to restart it here (no systemd or init script).', action: 'Use --restart never and restart dockerd yourself.' },
  ERR_PLAN_STALE: { exit: preflightRefused, meaning: 'A file changed between reading it and writing it; nothing was written.', action: 'Run the command again.' },
  ERR_LOCKED: { exit: preflightRefused, meaning: 'Another regsetup holds the host lock.', action: 'Wait for it; if the pid named is not regsetup, remove the lock file named.' },
  ERR_DOCKER_UNREACHABLE: { exit: [preflightRefused, unexpected], meaning: 'The Docker daemon socket cannot be reached (missing, refused, permission denied, timeout).', action: 'The hint names the cause: start dockerd, point --docker-host at it, or get access to the socket.' },
  ERR_DOCKERD_NOT_YOURS: { exit: preflightRefused, meaning: "The dockerd found belongs to another user: another user's rootless dockerd, or the system's when regsetup does not run as root.", action: 'Run regsetup as the daemon\'s user (a rootless dockerd) or as root (the system\'s); nothing was changed.' },
  ERR_DOCKERD_NOT_FOUND: { exit: preflightRefused, meaning: 'The Docker API answers but no dockerd process runs on this host.', action: 'Run regsetup on the node itself, not against a remote --docker-host.' },
  ERR_DOCKER_CONFIG_MALFORMED: { exit: preflightRefused, meaning: "The Docker CLI's config.json is not valid JSON or has fields of the wrong type.", action: 'Fix or move the file; regsetup does not rewrite a file it cannot read.' },
  ERR_DOCKER_CONFIG_OTHER_USER: { exit: preflightRefused, meaning: 'The Docker config directory belongs to another user, whose docker CLI could not read your credential store.', action: 'Run regsetup login as that user (`sudo -u USER -H regsetup login …`).' },
  ERR_JOURNAL_MALFORMED: { exit: preflightRefused, meaning: "regsetup's journal (/var/lib/regsetup/state.json) is not valid.", action: 'Restore it from /var/lib/regsetup/backups/ or move it away (regsetup then forgets what it did).' },
  ERR_JOURNAL_VERSION: { exit: preflightRefused, meaning: 'The journal was written by a newer regsetup.', action: 'Use that newer regsetup on this host.' },
  ERR_LOGIN_FAILED: { exit: preflightRefused, meaning: 'The Docker daemon could not log in to the registry at all (TLS, network, clock).', action: 'Run `regsetup doctor <registry>`; nothing was stored.' },
  ERR_CREDENTIAL_STORE_FOREIGN: { exit: preflightRefused, meaning: "A file of regsetup's credential store belongs to another user.", action: 'Run as its owner, or move it away if it is not yours.' },
  ERR_CREDENTIAL_STORE_TOO_OPEN: { exit: preflightRefused, meaning: 'A file of the credential store is readable by group or others.', action: 'Restrict it (chmod, as the message says) if nobody could have read it; else change the passwords it held.' },
  ERR_CREDENTIAL_STORE_CORRUPT: { exit: preflightRefused, meaning: 'A file of the credential store is not what regsetup wrote.', action: 'Restore it from a backup, or move it away and log in again.' },
  ERR_APPLY_ROLLED_BACK: { exit: rolledBack, meaning: 'dockerd did not take the change; every file was restored and dockerd is back on its previous settings.', action: 'Look at the dockerd log for why it refused ("Error reloading configuration").' },
  ERR_MIGRATE_FAILED: { exit: rolledBack, meaning: 'Moving credentials into the helper failed midway; what this run stored was erased again, config.json is untouched.', action: 'See `regsetup creds doctor`.' },
  ERR_ROLLBACK_FAILED: { exit: unexpected, meaning: 'Applying failed and putting the files back failed too.', action: 'Copy the originals back from the backup directory named, then check `docker info`.' },
  ERR_RELOAD: { exit: unexpected, meaning: 'SIGHUP could not be sent to dockerd.', action: 'Run as root (or as the user of a rootless dockerd); if dockerd exited, start it.' },
  ERR_DOCKER_NOT_READY: { exit: unexpected, meaning: 'The Docker daemon did not answer in time after a reload or restart.', action: 'Look at the daemon log (journalctl -u docker) for why it is not up.' },
  ERR_DOCKER_PING: { exit: unexpected, meaning: "The Docker daemon's /_ping failed.", action: 'The message has the daemon\'s words; check that dockerd is healthy.' },
  ERR_DOCKER_API: { exit: unexpected, meaning: 'A Docker API call failed with the daemon\'s own message.', action: 'The message has the daemon\'s words; `regsetup doctor` checks the daemon.' },
  ERR_PULL: { exit: verifyFailed, meaning: 'The daemon could not pull an image (verify).', action: 'The step prints the cause and the fix.' },
  ERR_PUSH: { exit: verifyFailed, meaning: 'The daemon could not push an image (verify).', action: 'The step prints the cause and the fix.' },
  ERR_IMPORT: { exit: verifyFailed, meaning: 'The daemon could not import the tiny test image (verify).', action: 'The step prints the cause; check the daemon has disk space.' },
  ERR_DNS: { exit: verifyFailed, meaning: 'The registry name does not resolve.', action: 'Check the name and /etc/resolv.conf.' },
  ERR_UNREACHABLE: { exit: verifyFailed, meaning: 'No TCP connection to the registry could be made.', action: 'Check the port, firewalls and routes.' },
  ERR_NETWORK: { exit: verifyFailed, meaning: 'An HTTP or TLS connection to the registry failed.', action: 'The message has the socket error; `regsetup verify` names the step.' },
  ERR_HTTP_BODY_TOO_LARGE: { exit: verifyFailed, meaning: 'A registry answer was larger than regsetup reads.', action: 'Check that the URL is the registry and not something in front of it.' },
  ERR_REGISTRY_HTTP: { exit: verifyFailed, meaning: 'The registry answered an HTTP status other than the one expected.', action: 'The message has the status and the registry\'s error body.' },
  ERR_AUTH_REQUIRED: { exit: verifyFailed, meaning: 'The registry requires credentials and none were given.', action: 'Add --username with a password source.' },
  ERR_AUTH_NO_CHALLENGE: { exit: verifyFailed, meaning: 'The registry answered 401 without a usable WWW-Authenticate challenge.', action: 'A proxy in front of it may drop the header; for Nexus, activate the Docker Bearer Token Realm.' },
  ERR_AUTH_REALM_UNREACHABLE: { exit: verifyFailed, meaning: "The Bearer token realm the registry names cannot be reached from this host.", action: 'The realm is built from the Host header: check the proxy keeps it, and that this host can reach the realm.' },
  ERR_AUTH_TOKEN_FAILED: { exit: verifyFailed, meaning: 'The token service failed or answered without a token.', action: 'Check the token service (Harbor core, Nexus realm) and its logs.' },
  ERR_CREDENTIAL_HELPER: { exit: unexpected, meaning: 'A docker-credential-* helper failed.', action: 'Check it with `regsetup creds doctor`.' },
  ERR_CREDENTIAL_STORE: { exit: unexpected, meaning: 'The credential helper did not give back what was stored.', action: 'Run `regsetup creds doctor`.' },
  ERR_CREDENTIAL_KEY: { exit: unexpected, meaning: "The credential store's key is missing or cannot be opened.", action: 'Follow the hint; no new key is made over existing secrets.' },
  ERR_HELPER_NOT_ON_PATH: { exit: unexpected, meaning: 'docker-credential-regsetup is not on PATH and its wrapper cannot be written.', action: 'Run regsetup as root once, or link the helper into a directory on your PATH.' },
  ERR_NOT_AVAILABLE: { exit: unexpected, meaning: 'The command exists in the design but not in this version.', action: 'See README.md for what this version does.' },
  ERR_NODE_VERSION: { exit: unexpected, meaning: 'The Node running regsetup is older than 22.', action: 'Install a current Node (24 LTS), or run through `npx regsetup`.' },
  ERR_CLIENT_CERT: { exit: usage, meaning: '--client-cert or --client-key cannot be read or holds no PEM certificate / private key.', action: 'Give both PEM files of the client certificate (the key unencrypted).' },
  ERR_TOML_MALFORMED: { exit: preflightRefused, meaning: 'A TOML file regsetup must edit or read (containerd config.toml, hosts.toml, registries.conf) does not parse.', action: 'The message names the file, line and column; fix it by hand or restore a backup (the runtime refuses or ignores it too).' },
  ERR_HOSTS_TOML: { exit: preflightRefused, meaning: 'A hosts.toml regsetup planned does not read back as planned (nothing was written).', action: 'This is a bug: report it with the file.' },
  ERR_CONTAINERD_CONFIG_EDIT: { exit: preflightRefused, meaning: 'regsetup cannot set config_path safely in containerd\'s config (it is written as dotted keys or an inline table).', action: 'Set config_path yourself, restart containerd, and join again.' },
  ERR_CONTAINERD_DEPRECATED_REGISTRY: { exit: preflightRefused, meaning: "containerd's config has registry.mirrors (or 1.x configs.<host>.tls), which make the CRI plugin fail to load next to config_path.", action: 'Join with --migrate-containerd-mirrors to move them into hosts.toml, or remove them by hand and restart containerd.' },
  ERR_CLIENT_CERT_CONFLICT: { exit: preflightRefused, meaning: 'A client certificate or key not installed by regsetup is already where regsetup would put one.', action: 'Move it away (keep a copy) and join again, or leave out --client-cert/--client-key.' },
  ERR_RUNTIME_NOT_RUNNING: { exit: preflightRefused, meaning: 'A runtime named with --runtime is installed but its daemon is not running.', action: 'Start it and run the command again.' },
  ERR_RUNTIME_NOT_YOURS: { exit: preflightRefused, meaning: "A runtime found here belongs to another user (the system's, when regsetup does not run as root).", action: 'Run regsetup as its user (root for the system\'s runtimes); nothing was changed.' },
  ERR_RUNTIME_NOT_FOUND: { exit: preflightRefused, meaning: 'A runtime named with --runtime is not on this host.', action: 'Check it is installed and running, or leave --runtime out to configure what runs here.' },
  ERR_NO_RUNTIME: { exit: preflightRefused, meaning: 'No container runtime runs on this host.', action: 'Start the runtime first, or name it with --runtime.' },
  ERR_KUBELET_PROVIDER_CONFIG_MALFORMED: { exit: preflightRefused, meaning: "kubelet's credential provider config does not parse or is not a CredentialProviderConfig.", action: 'Fix or move the file; regsetup will not rewrite a file it cannot read.' },
  ERR_KUBELET_PROVIDER_CONFLICT: { exit: preflightRefused, meaning: "A credential provider executable that is not regsetup's is where regsetup would install its own.", action: "Move it away, or point kubelet's --image-credential-provider-bin-dir elsewhere." },
  ERR_KUBELET_MATCH_IMAGE: { exit: usage, meaning: 'kubelet cannot match images of this registry (an IPv6 registry without a port).', action: 'Name the registry with its port.' },
  ERR_KUBELET_PROVIDER_NAME: { exit: usage, meaning: 'The name given for the kubelet credential provider is not a file name.', action: 'Use a name without "/" or spaces.' },
  ERR_KUBELET_CACHE_DURATION: { exit: usage, meaning: 'The credential provider cache duration is not a Go duration.', action: 'Give e.g. 5m, 1h or 0s.' },
  ERR_KUBELET_REQUEST: { exit: usage, meaning: 'kubelet sent the credential provider a request it cannot read.', action: "Check kubelet's version (credentialprovider.kubelet.k8s.io/v1, Kubernetes ≥ 1.26)." },
  ERR_CRI_AUTH_ADDRESS: { exit: usage, meaning: 'A CRI AuthConfig server address is not host[:port].', action: 'This is a bug in the caller; report it.' },
  ERR_CRI_SOCKET: { exit: usage, meaning: 'The CRI socket address is not a unix socket path.', action: 'Give unix:///run/containerd/containerd.sock or an absolute path.' },
  ERR_CRI_PERMISSION: { exit: preflightRefused, meaning: "This user may not connect to containerd's CRI socket.", action: 'Run as root.' },
  ERR_CRI_UNREACHABLE: { exit: preflightRefused, meaning: "containerd's CRI socket does not answer.", action: 'Is containerd running, is its CRI plugin enabled (disabled_plugins = ["cri"] in config.toml)?' },
  ERR_CRI_UNIMPLEMENTED: { exit: preflightRefused, meaning: "containerd answers, but not CRI runtime.v1: the CRI plugin is disabled, failed to load, or containerd is older than 1.6.", action: "Look at containerd's log for the CRI plugin's error (e.g. mirrors next to config_path)." },
  ERR_CRI_TIMEOUT: { exit: preflightRefused, meaning: 'A CRI call did not answer in time.', action: "containerd may be starting or overloaded; look at its log." },
  ERR_CRI_PULL_FAILED: { exit: verifyFailed, meaning: 'containerd refused a CRI image pull.', action: 'The message keeps containerd\'s reason (401, x509, not found) with a hint.' },
  ERR_CRI_PULL_TIMEOUT: { exit: verifyFailed, meaning: 'A CRI image pull did not finish in time.', action: 'Check the registry and mirror from this node; `regsetup verify` says which step.' },
  ERR_CRI_FAILED: { exit: unexpected, meaning: 'A CRI call failed in a way regsetup has no name for.', action: 'Report it with the output under REGSETUP_DEBUG=1.' },
  ERR_RESTART_FAILED: { exit: [preflightRefused, rolledBack], meaning: 'A daemon could not be restarted (the service manager failed, or the process did not stop).', action: 'The message says what failed; look at the daemon\'s log and restart it yourself.' },
  ERR_UNSAFE_PATH: { exit: preflightRefused, meaning: 'A path regsetup would write or remove goes through a symlink, or is not a regular file (docs: "What regsetup reads and writes").', action: 'The message names the link and its target; replace the link with the real file or directory, then run again. Nothing was written.' },
  ERR_NOT_A_DIRECTORY: { exit: preflightRefused, meaning: 'A part of a path is not a directory.', action: 'Look at each part of the path with `ls -ld`.' },
  ERR_DOCKER_CONFIG_NOT_A_DIRECTORY: { exit: preflightRefused, meaning: 'The Docker config directory (--docker-config, $DOCKER_CONFIG or ~/.docker) is not a directory.', action: 'Point it at a directory.' },
  ERR_DOCKERD_GONE: { exit: preflightRefused, meaning: 'dockerd exited while regsetup was reading or signalling it.', action: 'Start dockerd and run again.' },
  ERR_PROCESS_GONE: { exit: preflightRefused, meaning: 'A process exited while regsetup read it under /proc.', action: 'Run again once it is up.' },
  ERR_FILE_IS_DIRECTORY: { exit: preflightRefused, meaning: 'A directory is where regsetup expects a file.', action: 'Move it away (or name the right file) and run again.' },
  ERR_NOT_REGULAR_FILE: { exit: preflightRefused, meaning: 'A device, FIFO or socket is where regsetup expects a regular file (it is never opened for writing, and a FIFO never hangs the run).', action: 'Replace it with a regular file.' },
  ERR_FILE_TOO_LARGE: { exit: preflightRefused, meaning: 'A file regsetup must parse is larger than 4 MiB.', action: 'Trim it; no daemon configuration needs that much.' },
  ERR_SYMLINK_LOOP: { exit: preflightRefused, meaning: 'A path has a symlink loop (ELOOP).', action: 'Look at each part with `ls -l` and remove the loop.' },
  ERR_DISK_FULL: { exit: [preflightRefused, rolledBack], meaning: 'The filesystem is full (ENOSPC, EDQUOT).', action: 'Free space (`df -h`) and run again.' },
  ERR_READ_ONLY: { exit: [preflightRefused, rolledBack], meaning: 'The file is on a read-only filesystem (EROFS).', action: 'Remount it read-write, or build an image tree with --root.' },
  ERR_IMMUTABLE: { exit: [preflightRefused, rolledBack], meaning: 'The file carries the immutable attribute.', action: '`lsattr` shows it; `chattr -i FILE` if it should change.' },
  ERR_FILE_MISSING_DIRECTORY: { exit: preflightRefused, meaning: 'A directory vanished while regsetup worked in it.', action: 'Run again.' },
  ERR_FILE_BUSY: { exit: preflightRefused, meaning: 'The file is busy or a mount point (e.g. bind-mounted into a container).', action: 'Edit it where it is mounted from.' },
  ERR_PATH_TOO_LONG: { exit: preflightRefused, meaning: 'A path is too long (ENAMETOOLONG).', action: 'Use a shorter path.' },
  ERR_TOO_MANY_OPEN_FILES: { exit: preflightRefused, meaning: 'The process ran out of file descriptors.', action: 'Raise the limit (`ulimit -n`) or run again.' },
  ERR_FILE_IO: { exit: preflightRefused, meaning: 'A file operation failed with an I/O error.', action: 'Check the filesystem and the device (`dmesg`).' },
  ERR_DOCKER_CONFIG_ENCODING: { exit: preflightRefused, meaning: "config.json is not something the docker CLI reads as regsetup would (a BOM, a key twice, too deep).", action: 'The message names the place; fix it by hand.' },
  ERR_DAEMON_JSON_ENCODING: { exit: preflightRefused, meaning: 'daemon.json has bytes this dockerd reads differently (invalid UTF-8 on 23+, data after the object).', action: 'The message names the offset; fix it by hand.' },
  ERR_DAEMON_JSON_BOM: { exit: preflightRefused, meaning: 'daemon.json starts with a UTF-8 BOM, which dockerd before 23.0 refuses.', action: 'Remove the first three bytes (`sed -i \'1s/^\\xEF\\xBB\\xBF//\' FILE`).' },
  ERR_DAEMON_JSON_DUPLICATE_KEY: { exit: preflightRefused, meaning: 'daemon.json has a key regsetup manages twice: dockerd reads the last one.', action: 'Keep one of them (the message names both lines).' },
  ERR_UNEXPECTED: { exit: unexpected, meaning: 'A failure regsetup has no name for: a bug.', action: 'Report it (the hint says where) with the command, `regsetup --version` and the output under REGSETUP_DEBUG=1.' },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof errorCodes;

/**
 * Codes that appear inside messages but are not regsetup's: Node's own TLS code, and the one
 * regsetup's TLS probe sets when a certificate has no subjectAltName (Go's wording follows it).
 */
export const foreignCodes = {
  ERR_TLS_CERT_ALTNAME_INVALID: "Node's TLS: the certificate does not name the host connected to.",
  ERR_TLS_CERT_NO_SAN: 'The certificate has no subjectAltName; Docker (Go) refuses certificates that rely on the Common Name.',
} as const;

export const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(errorCodes, code);

export const errorCodeInfo = (code: ErrorCode): ErrorCodeInfo => errorCodes[code];
