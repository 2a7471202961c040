// Helpers for e2e tests that run against the regsetup lab (`bash scripts/lab.sh up`).
//
// The lab describes itself in a JSON file (default /var/lib/regsetup-lab/lab.json; override with
// LAB_JSON — not REGSETUP_*, which test/setup-env.ts deletes). Everything here drives the real
// docker CLI and the real dockerd; nothing uses regsetup's own code.
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';

// ---------------------------------------------------------------------------------------------
// The lab description
// ---------------------------------------------------------------------------------------------

export interface LabUser {
  password: string;
  /** true: pull, push and delete on hosted/group/skew; false: pull only. Both users exist on basic. */
  push: boolean;
}

export interface LabHosts {
  /** Nexus-like group (nginx): reads hosted → proxy on 404, writes → hosted, Bearer realm /token, CA at /download/ca.crt. */
  group: string;
  /** Every method to the pull-through proxy: pushes fail. */
  proxyOnly: string;
  /** distribution, TLS, Bearer token auth (realm on `auth`). */
  hosted: string;
  /** distribution, TLS, htpasswd Basic auth. */
  basic: string;
  /** distribution, plain HTTP, anonymous — includes the port ("plain.regsetup.test:5000"). */
  plain: string;
  /** distribution, TLS, anonymous: plays Docker Hub, seeded with `hubImages`. */
  hub: string;
  /** distribution pull-through cache of hub, TLS, anonymous. */
  proxy: string;
  /** Front of hosted whose HTTP Date header is `skewSeconds` ahead. */
  skew: string;
  /** The token service. */
  auth: string;
  /** nginx front like group, for CA rotation (`lab.sh rotate-ca`): its certificate and CA URL follow the phase. */
  rotate: string;
}

/** The lab's containerd 1.6: one daemon on the standard socket, CRI plugin on, shared with the lab's dockerd. */
export interface LabContainerd {
  startedByLab: boolean;
  /** /run/containerd/containerd.sock (kubelet's default). */
  socket: string;
  /** The lab's config.toml, passed by --config; tests may rewrite it, then `lab.sh restart-containerd [--reset]`. */
  configFile: string;
  /** stdout/stderr of containerd, appended. */
  logFile: string;
  root: string;
  state: string;
  /** config_path of the CRI registry config in the lab's default config.toml ("/etc/containerd/certs.d"). */
  certsDir: string;
  /** Pid found by its --config argument when lab.json was written (a restart by another process changes it). */
  pid: number | null;
  version: string;
  /** The CRI plugin's status in `ctr plugins ls` when lab.json was written: "ok", "error", … */
  criPlugin: string | null;
  /** dockerd runs its containers on this containerd (--containerd=<socket>). */
  sharedWithDockerd: boolean;
}

/** A rootless dockerd (rootlesskit, host network) running as a test user. */
export interface LabRootless {
  user: string;
  uid: number;
  home: string;
  /** XDG_RUNTIME_DIR (/run/user/UID). */
  runtimeDir: string;
  socket: string;
  /** "unix://<socket>" */
  dockerHost: string;
  /** ~/.config/docker: its daemon.json and certs.d. */
  configDir: string;
  dataRoot: string;
  rootlesskitPid: number | null;
  dockerdPid: number | null;
  logFile: string;
}

/** A simulated fleet node (`lab.sh nodes up [N]`): own netns, mount, UTS and PID namespaces, dockerd and sshd. */
export interface LabNode {
  name: string;
  ip: string;
  netns: string;
  dir: string;
  /** Host dir holding the node's private paths: fs/etc/docker, fs/var/lib/regsetup, fs/root, fs/run, … */
  fsDir: string;
  sshUser: string;
  /** The node's docker socket as the host reaches it. */
  dockerSocket: string;
  /** The same socket inside the node (the default one). */
  dockerSocketInNode: string;
  /** Host pid of the node's PID 1 (tini): `nsenter --target <initPid> --mount --uts --pid --net …`. */
  initPid: number | null;
  /** Host pid of the node's dockerd. */
  dockerdPid: number | null;
}

export interface LabAnsible {
  /** Use as ANSIBLE_CONFIG. */
  config: string;
  inventory: string;
  privateKey: string;
  knownHosts: string;
  controlPathDir: string;
}

export type RotatePhase = 'ca1' | 'staged' | 'switched' | 'finished';

export interface LabRotate {
  host: string;
  /** Serves CA1 (ca1), CA1+CA2 (staged, switched) or CA2 (finished). */
  caUrl: string;
  phase: RotatePhase;
  serverCertSignedBy: 'ca1' | 'ca2';
}

export interface LabInfo {
  version: number;
  dir: string;
  caFile: string;
  /** "sha256:<64 lowercase hex>" of the CA certificate's DER. */
  caFingerprint: string;
  caUrl: string;
  hosts: LabHosts;
  ips: Record<keyof LabHosts, string>;
  /** The host side of the veth pair. */
  hostIp: string;
  token: { realm: string; groupRealm: string; service: string; issuer: string };
  skewSeconds: number;
  users: Record<string, LabUser>;
  basicUsers: string[];
  /** e.g. "library/hello-world:latest" */
  hubImages: string[];
  /** image ref → manifest digest as pushed to hub */
  hubImageDigests: Record<string, string>;
  dockerdStartedByLab: boolean;
  /** Pid file of the dockerd the lab started, else null. */
  dockerdPidFile: string | null;
  dockerSocket: string;
  netns: string;
  logsDir: string;
  /** Docker Hub's names map to this address in /etc/hosts; nothing listens there (connection refused). */
  dockerHubBlackhole: { address: string; names: string[] };
  containerd: LabContainerd;
  podman: { version: string; configDir: string; storageDir: string };
  rootless: LabRootless | null;
  /** Empty unless `lab.sh nodes up`. */
  nodes: LabNode[];
  ansible: LabAnsible | null;
  rotate: LabRotate;
  /** The second CA of a rotation (from `rotate-ca stage` until `reset`), else null. */
  ca2File: string | null;
  /** "sha256:<hex>" of CA2's DER, as caFingerprint. */
  ca2Fingerprint: string | null;
}

export const DEFAULT_LAB_JSON = '/var/lib/regsetup-lab/lab.json';

export function labJsonPath(): string {
  return process.env.LAB_JSON || DEFAULT_LAB_JSON;
}

/** True when the lab JSON exists (the lab is up). */
export function labAvailable(): boolean {
  return existsSync(labJsonPath());
}

let cached: { path: string; lab: LabInfo } | undefined;

/** The lab description read afresh (after `lab.sh rotate-ca`, `nodes up`, `restart-containerd`). */
export function reloadLab(): LabInfo {
  cached = undefined;
  return loadLab();
}

/** The lab description; throws with the fix when the lab is not up. */
export function loadLab(): LabInfo {
  const path = labJsonPath();
  if (cached?.path === path) return cached.lab;
  if (!existsSync(path)) {
    throw new Error(`regsetup lab is not up: ${path} is missing. Run: sudo bash scripts/lab.sh up`);
  }
  const lab = JSON.parse(readFileSync(path, 'utf8')) as LabInfo;
  cached = { path, lab };
  return lab;
}

/** Credentials of a lab user ("admin" by default). */
export function labUser(name = 'admin'): { username: string; password: string; push: boolean } {
  const u = loadLab().users[name];
  if (!u) throw new Error(`no lab user ${name}`);
  return { username: name, ...u };
}

// ---------------------------------------------------------------------------------------------
// docker CLI
// ---------------------------------------------------------------------------------------------

/** The docker client used by the tests: DOCKER_BIN, else the 28.x client, else Debian's. */
export const dockerBin: string =
  process.env.DOCKER_BIN || (existsSync('/usr/local/bin/docker') ? '/usr/local/bin/docker' : '/usr/bin/docker');

export interface DockerOptions {
  /** stdin, e.g. a password for `login --password-stdin` or a tarball for `import -`. */
  input?: string | Uint8Array;
  /** Extra environment (e.g. `tempDockerConfig().env`). */
  env?: Record<string, string>;
  /** Throw on a non-zero exit (default true). */
  reject?: boolean;
  timeoutMs?: number;
}

export interface DockerResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout + stderr, for matching error texts wherever docker printed them. */
  output: string;
}

/** Runs the real docker CLI. With `reject: false` a failure is returned instead of thrown. */
export async function docker(args: string[], opts: DockerOptions = {}): Promise<DockerResult> {
  const r = await execa(dockerBin, args, {
    input: opts.input,
    env: opts.env,
    reject: false,
    timeout: opts.timeoutMs ?? 180_000,
    stripFinalNewline: true,
  });
  const result: DockerResult = {
    exitCode: r.exitCode ?? -1,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    output: `${String(r.stdout ?? '')}\n${String(r.stderr ?? '')}`.trim(),
  };
  if ((opts.reject ?? true) && result.exitCode !== 0) {
    throw new Error(`docker ${args.join(' ')} failed (exit ${result.exitCode}${r.timedOut ? ', timed out' : ''}):\n${result.output}`);
  }
  return result;
}

export interface TempDockerConfig {
  /** The DOCKER_CONFIG directory. */
  dir: string;
  /** Environment for `docker(args, { env })`. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/**
 * A throwaway DOCKER_CONFIG so logins never touch ~/.docker.
 *
 * By default the environment also gets a PATH without `pass` and `docker-credential-*`: the docker
 * CLI would otherwise pick the `pass` helper by default, and `pass` is installed but not initialised
 * here (`pass not initialized`), so logins would fail. Credentials then land in plaintext `auths`
 * of the temp config.json. Pass `{ keepPath: true }` to test helper detection itself.
 */
export async function tempDockerConfig(opts: { keepPath?: boolean; config?: object } = {}): Promise<TempDockerConfig> {
  const dir = await mkdtemp(join(tmpdir(), 'regsetup-lab-docker-'));
  await writeFile(join(dir, 'config.json'), `${JSON.stringify(opts.config ?? {}, null, 2)}\n`);
  const env: Record<string, string> = { DOCKER_CONFIG: dir };
  if (!opts.keepPath) {
    await mkdir(join(dir, 'empty-path'));
    env.PATH = join(dir, 'empty-path');
  }
  return { dir, env, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** `docker login HOST --password-stdin` with a lab user (admin by default). */
export async function dockerLogin(
  host: string,
  cfg: TempDockerConfig,
  user = 'admin',
  opts: { reject?: boolean } = {},
): Promise<DockerResult> {
  const u = labUser(user);
  return docker(['login', host, '--username', u.username, '--password-stdin'], {
    input: `${u.password}\n`,
    env: cfg.env,
    reject: opts.reject,
  });
}

/** A short unique tag, e.g. for `group.regsetup.test/e2e/lab:<uniqueTag()>`. */
export function uniqueTag(prefix = 't'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * Imports a tiny, unique image (one file, no binaries) under `ref`: nothing is pulled.
 * Returns its image id. The content is unique, so the pushed digest is too.
 */
export async function buildTestImage(ref: string): Promise<string> {
  const content = Buffer.from(`regsetup lab test image ${ref} ${new Date().toISOString()} ${randomBytes(8).toString('hex')}\n`);
  const tarball = gzipSync(tarFiles([{ name: 'regsetup-test.txt', data: content }]));
  const r = await docker(['import', '--message', 'regsetup lab test image', '-', ref], { input: tarball });
  return r.stdout.trim();
}

/** RepoDigests of a local image ("host/repo@sha256:…"). */
export async function repoDigests(ref: string): Promise<string[]> {
  const r = await docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', ref]);
  return (JSON.parse(r.stdout) as string[] | null) ?? [];
}

/** `docker rmi -f` that ignores images that are not there. */
export async function removeImages(...refs: string[]): Promise<void> {
  for (const ref of refs) await docker(['rmi', '-f', ref], { reject: false });
}

export async function imageExists(ref: string): Promise<boolean> {
  return (await docker(['image', 'inspect', ref], { reject: false })).exitCode === 0;
}

// ---------------------------------------------------------------------------------------------
// dockerd: effective registry config and reload
// ---------------------------------------------------------------------------------------------

export interface DaemonRegistryConfig {
  /** As dockerd reports them (it appends "/"). */
  mirrors: string[];
  insecureRegistryCIDRs: string[];
  /** Hosts dockerd treats as insecure (IndexConfigs with Secure=false), docker.io excluded. */
  insecureHosts: string[];
}

/** The running daemon's effective registry settings (`docker info`). */
export async function daemonRegistryConfig(): Promise<DaemonRegistryConfig> {
  const r = await docker(['info', '--format', '{{json .RegistryConfig}}']);
  const rc = JSON.parse(r.stdout) as {
    Mirrors: string[] | null;
    InsecureRegistryCIDRs: string[] | null;
    IndexConfigs: Record<string, { Name: string; Secure: boolean }> | null;
  };
  return {
    mirrors: rc.Mirrors ?? [],
    insecureRegistryCIDRs: rc.InsecureRegistryCIDRs ?? [],
    insecureHosts: Object.values(rc.IndexConfigs ?? {})
      .filter((c) => !c.Secure && c.Name !== 'docker.io')
      .map((c) => c.Name)
      .sort(),
  };
}

/** "https://x/" and "https://x" compare equal. */
export function normalizeMirror(url: string): string {
  return url.replace(/\/+$/, '');
}

function sameMirrors(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((m, i) => normalizeMirror(m) === normalizeMirror(b[i]!));
}

/** Pid of the running dockerd: the lab's pid file, /var/run/docker.pid, else a /proc scan. */
export async function dockerdPid(): Promise<number> {
  const candidates = [loadLabOrNull()?.dockerdPidFile, '/var/run/docker.pid'].filter((p): p is string => !!p);
  for (const f of candidates) {
    const pid = Number((await readFile(f, 'utf8').catch(() => '')).trim());
    if (pid > 0 && isDockerd(pid)) return pid;
  }
  const r = await execa('pgrep', ['-x', 'dockerd'], { reject: false });
  const pids = String(r.stdout ?? '')
    .split('\n')
    .map(Number)
    .filter((p) => p > 0);
  if (pids.length === 1) return pids[0]!;
  throw new Error(`cannot find the dockerd pid (${pids.length} dockerd processes)`);
}

/** The pid of the lab's containerd, found by its --config (it changes when containerd restarts). */
export async function containerdPid(lab: LabInfo): Promise<number> {
  const r = await execa('pgrep', ['-f', `containerd --config ${lab.containerd.configFile}`], { reject: false });
  const pids = r.stdout.split('\n').filter(Boolean).map(Number);
  if (pids.length !== 1) throw new Error(`expected one lab containerd, found ${pids.join(', ') || 'none'}`);
  return pids[0]!;
}

function isDockerd(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'dockerd';
  } catch {
    return false;
  }
}

function loadLabOrNull(): LabInfo | null {
  try {
    return loadLab();
  } catch {
    return null;
  }
}

/** daemon.json of the running dockerd: its --config-file argument, else /etc/docker/daemon.json. */
export async function daemonJsonPath(): Promise<string> {
  try {
    const argv = (await readFile(`/proc/${await dockerdPid()}/cmdline`, 'utf8')).split('\0');
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '--config-file' && argv[i + 1]) return argv[i + 1]!;
      if (a.startsWith('--config-file=')) return a.slice('--config-file='.length);
    }
  } catch {
    // fall through
  }
  return '/etc/docker/daemon.json';
}

export const CERTS_D = '/etc/docker/certs.d';

export interface ReloadOptions {
  /** Wait until `docker info` shows exactly these mirrors (order matters, trailing "/" ignored). */
  expectMirrors?: string[];
  /** Wait until these hosts are insecure to dockerd. */
  expectInsecureHosts?: string[];
  timeoutMs?: number;
}

/**
 * SIGHUP to dockerd, wait for its `reload` event, then (optionally) until `docker info` shows the
 * expected mirrors. A failed reload is only logged by dockerd, hence the check. Returns the
 * effective registry config afterwards.
 */
export async function reloadDockerd(opts: ReloadOptions = {}): Promise<DaemonRegistryConfig> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const pid = await dockerdPid();
  const since = (Date.now() - 1000) / 1000; // dockerd and we share the clock; 1 s of slack
  const before = await reloadEventCount(since);
  process.kill(pid, 'SIGHUP');
  const deadline = Date.now() + timeoutMs;
  while ((await reloadEventCount(since)) <= before) {
    if (Date.now() > deadline) throw new Error(`dockerd (pid ${pid}) did not report a reload within ${timeoutMs} ms`);
    await sleep(50);
  }
  let cfg = await daemonRegistryConfig();
  for (;;) {
    const mirrorsOk = !opts.expectMirrors || sameMirrors(cfg.mirrors, opts.expectMirrors);
    const insecureOk = !opts.expectInsecureHosts || opts.expectInsecureHosts.every((h) => cfg.insecureHosts.includes(h));
    if (mirrorsOk && insecureOk) return cfg;
    if (Date.now() > deadline) {
      throw new Error(
        `dockerd reloaded but shows mirrors ${JSON.stringify(cfg.mirrors)}, insecure ${JSON.stringify(cfg.insecureHosts)}; ` +
          `expected mirrors ${JSON.stringify(opts.expectMirrors ?? 'any')}, insecure ${JSON.stringify(opts.expectInsecureHosts ?? 'any')} ` +
          `(a reload error is only in the dockerd log)`,
      );
    }
    await sleep(100);
    cfg = await daemonRegistryConfig();
  }
}

async function reloadEventCount(sinceSeconds: number): Promise<number> {
  const r = await docker(
    // --until in the past or now: docker prints the buffered events and exits (a future one would stream).
    ['events', '--since', sinceSeconds.toFixed(3), '--until', (Date.now() / 1000).toFixed(3), '--filter', 'type=daemon', '--filter', 'event=reload', '--format', '{{.TimeNano}}'],
    { timeoutMs: 10_000 },
  );
  return r.stdout.split('\n').filter(Boolean).length;
}

/** Reads daemon.json (null when absent). */
export async function readDaemonJson(): Promise<Record<string, unknown> | null> {
  const text = await readFile(await daemonJsonPath(), 'utf8').catch(() => null);
  return text === null ? null : (JSON.parse(text.replace(/^\uFEFF/, '')) as Record<string, unknown>);
}

/** Writes daemon.json (does not reload). */
export async function writeDaemonJson(config: Record<string, unknown>): Promise<void> {
  const path = await daemonJsonPath();
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`);
}

/** Sets `registry-mirrors` in daemon.json (other keys kept), reloads and waits until it took. */
export async function setMirrors(mirrors: string[]): Promise<DaemonRegistryConfig> {
  const current = (await readDaemonJson()) ?? {};
  await writeDaemonJson({ ...current, 'registry-mirrors': mirrors });
  return reloadDockerd({ expectMirrors: mirrors });
}

/** Puts a CA into /etc/docker/certs.d/<host[:port]>/ca.crt (the lab CA by default). */
export async function installCa(host: string, caFile = loadLab().caFile): Promise<string> {
  const dir = join(CERTS_D, host);
  await mkdir(dir, { recursive: true });
  const dest = join(dir, 'ca.crt');
  await cp(caFile, dest);
  return dest;
}

/** Removes /etc/docker/certs.d/<host[:port]>/ entirely. */
export async function removeCertsDir(host: string): Promise<void> {
  await rm(join(CERTS_D, host), { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// Backup / restore of the host's docker configuration
// ---------------------------------------------------------------------------------------------

export interface HostStateBackup {
  daemonJsonPath: string;
  /** Raw bytes, null when the file did not exist. */
  daemonJson: Buffer | null;
  /** Copy of /etc/docker/certs.d, null when it did not exist. */
  certsDCopy: string | null;
  userDockerConfigPath: string;
  userDockerConfig: Buffer | null;
  /** What dockerd showed at backup time. */
  effective: DaemonRegistryConfig;
  tmpDir: string;
}

/** Saves daemon.json, /etc/docker/certs.d, ~/.docker/config.json and dockerd's effective registry config. */
export async function backupHostState(): Promise<HostStateBackup> {
  const tmpDir = await mkdtemp(join(tmpdir(), 'regsetup-lab-backup-'));
  const daemonPath = await daemonJsonPath();
  const userPath = join(homedir(), '.docker', 'config.json');
  let certsDCopy: string | null = null;
  if (existsSync(CERTS_D)) {
    certsDCopy = join(tmpDir, 'certs.d');
    await cp(CERTS_D, certsDCopy, { recursive: true, preserveTimestamps: true });
  }
  return {
    daemonJsonPath: daemonPath,
    daemonJson: await readFile(daemonPath).catch(() => null),
    certsDCopy,
    userDockerConfigPath: userPath,
    userDockerConfig: await readFile(userPath).catch(() => null),
    effective: await daemonRegistryConfig(),
    tmpDir,
  };
}

/**
 * Puts everything back and makes dockerd show the saved mirrors/insecure registries again.
 *
 * dockerd keeps a key that is *absent* from daemon.json (or the whole file being absent) at its
 * current value on reload, so restoring the old file alone would not undo a test's mirrors. Hence
 * two reloads: first the old file plus the saved values written explicitly, then the old file itself.
 */
export async function restoreHostState(b: HostStateBackup): Promise<void> {
  // certs.d
  await rm(CERTS_D, { recursive: true, force: true });
  if (b.certsDCopy) await cp(b.certsDCopy, CERTS_D, { recursive: true, preserveTimestamps: true });

  // ~/.docker/config.json
  if (b.userDockerConfig) {
    await mkdir(dirname(b.userDockerConfigPath), { recursive: true });
    await writeFile(b.userDockerConfigPath, b.userDockerConfig);
  } else {
    await rm(b.userDockerConfigPath, { force: true });
  }

  // daemon.json + the effective config
  const now = await daemonRegistryConfig();
  const sameInsecure = JSON.stringify(now.insecureHosts) === JSON.stringify(b.effective.insecureHosts) &&
    JSON.stringify(now.insecureRegistryCIDRs) === JSON.stringify(b.effective.insecureRegistryCIDRs);
  const needBridge = !sameMirrors(now.mirrors, b.effective.mirrors) || !sameInsecure;
  if (needBridge) {
    const base = parseJsonObject(b.daemonJson);
    const defaultCidrs = new Set(['127.0.0.0/8', '::1/128']);
    const insecure = [...b.effective.insecureRegistryCIDRs.filter((c) => !defaultCidrs.has(c)), ...b.effective.insecureHosts];
    await mkdir(dirname(b.daemonJsonPath), { recursive: true });
    await writeFile(
      b.daemonJsonPath,
      `${JSON.stringify({ ...base, 'registry-mirrors': b.effective.mirrors.map(normalizeMirror), 'insecure-registries': insecure }, null, 2)}\n`,
    );
    await reloadDockerd({ expectMirrors: b.effective.mirrors, expectInsecureHosts: b.effective.insecureHosts });
  }
  if (b.daemonJson) {
    await writeFile(b.daemonJsonPath, b.daemonJson);
    if (needBridge) await reloadDockerd({ expectMirrors: b.effective.mirrors });
  } else {
    await rm(b.daemonJsonPath, { force: true });
  }
  await rm(b.tmpDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// misc
// ---------------------------------------------------------------------------------------------

function parseJsonObject(bytes: Buffer | null): Record<string, unknown> {
  if (!bytes) return {};
  try {
    const v: unknown = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A minimal ustar archive of regular files (for `docker import`). */
export function tarFiles(files: { name: string; data: Uint8Array; mode?: number }[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const h = Buffer.alloc(512, 0);
    const oct = (n: number, len: number): string => `${n.toString(8).padStart(len - 1, '0')}\0`;
    h.write(f.name, 0, 100, 'utf8');
    h.write(oct(f.mode ?? 0o644, 8), 100);
    h.write(oct(0, 8), 108);
    h.write(oct(0, 8), 116);
    h.write(oct(f.data.length, 12), 124);
    h.write(oct(Math.floor(Date.now() / 1000), 12), 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const byte of h) sum += byte;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    parts.push(h, Buffer.from(f.data));
    const pad = (512 - (f.data.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(1024, 0));
  return Buffer.concat(parts);
}

/**
 * A credential sandbox as on a stock Debian server: `pass` on PATH but never initialised, the
 * Docker config, HOME, regsetup's credential store, its key and systemd-creds' host secret all
 * in a temp dir, so a test touches neither ~/.docker nor /etc/regsetup nor /var/lib/regsetup.
 */
export interface CredentialSandbox {
  dir: string;
  dockerConfigDir: string;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function credentialSandbox(prefix = 'regsetup-creds-'): Promise<CredentialSandbox> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  for (const d of ['docker', 'home', 'systemd']) await mkdir(join(dir, d), { recursive: true });
  await writeFile(join(dir, 'docker', 'config.json'), '{}\n');
  const env = {
    // /usr/bin has pass and docker-credential-pass: the docker CLI would pick them by default.
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: join(dir, 'home'),
    DOCKER_CONFIG: join(dir, 'docker'),
    REGSETUP_CREDENTIALS_DIR: join(dir, 'store'),
    REGSETUP_CREDENTIALS_KEY_DIR: join(dir, 'key'),
    SYSTEMD_CREDENTIAL_SECRET: join(dir, 'systemd', 'credential.secret'),
  };
  return { dir, dockerConfigDir: env.DOCKER_CONFIG, env, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
