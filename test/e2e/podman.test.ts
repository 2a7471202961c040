// `regsetup join` / `status` / `doctor` / `leave` on a lab node running dockerd and podman (the
// containers runtime: podman, buildah, skopeo, CRI-O). Checks with the real podman: the mirror
// serves a Docker Hub image (digest proven), the registry's CA is trusted, a push goes through
// docker-credential-regsetup named in the containers auth file. Restores every file it touches.
import { execa } from 'execa';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regsetup } from './helpers/cli.js';
import { backupHostState, credentialSandbox, labUser, loadLab, restoreHostState, tarFiles, uniqueTag, type CredentialSandbox, type HostStateBackup, type LabInfo } from './helpers/lab.js';

const DROP_IN = '/etc/containers/registries.conf.d/50-regsetup.conf';
const REGISTRIES_CONF = '/etc/containers/registries.conf';
const CONTAINERS_CERTS = '/etc/containers/certs.d';
const STATE_DIR = '/var/lib/regsetup';

/** /etc/containers as the test found it, copied away and put back byte for byte. */
async function backupContainers(): Promise<{ dir: string; restore(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'regsetup-e2e-containers-'));
  await cp('/etc/containers', join(dir, 'etc-containers'), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  return {
    dir,
    async restore() {
      await rm('/etc/containers', { recursive: true, force: true });
      await cp(join(dir, 'etc-containers'), '/etc/containers', { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describe('regsetup × podman (lab)', () => {
  let lab: LabInfo;
  let backup: HostStateBackup;
  let containers: Awaited<ReturnType<typeof backupContainers>>;
  let sandbox: CredentialSandbox;
  let authFile: string;
  const podman = (args: string[], input?: Buffer) => execa('podman', args, { input, env: sandbox.env, reject: false, timeout: 180_000 });
  const joinArgs = (extra: string[] = []) => ['join', lab.hosts.group, '--ca-url', lab.caUrl, '--ca-fingerprint', lab.caFingerprint, '--yes', '--json', ...extra];
  const hub = () => lab.hubImages[0]!;

  beforeAll(async () => {
    lab = loadLab();
    backup = await backupHostState();
    containers = await backupContainers();
    rmSync(STATE_DIR, { recursive: true, force: true });
    sandbox = await credentialSandbox('regsetup-podman-e2e-');
    authFile = join(sandbox.env.HOME, '.config/containers/auth.json');
    expect((await execa('podman', ['--version'])).exitCode).toBe(0);
  });

  afterAll(async () => {
    await regsetup(['leave', lab.hosts.group, '--yes', '--json'], { env: sandbox.env });
    rmSync(STATE_DIR, { recursive: true, force: true });
    await containers?.restore();
    await sandbox?.cleanup();
    if (backup) await restoreHostState(backup);
  });

  it('one join configures dockerd, containerd and podman; --json lists the changes per runtime; each pulls through the mirror (digest proven) and from the registry', async () => {
    const r = await regsetup(joinArgs(['--username', 'admin', '--password-stdin']), { input: `${labUser('admin').password}\n`, env: sandbox.env });
    expect(r.exitCode, r.stderr).toBe(0);
    const runtimes = r.json.runtimes as Array<{ runtime: string; changes: Array<{ path: string; change: string }> }>;
    expect(runtimes.map((x) => x.runtime)).toEqual(expect.arrayContaining(['docker', 'containerd', 'containers']));
    const mine = runtimes.find((x) => x.runtime === 'containers')!;
    expect(mine.changes).toEqual(expect.arrayContaining([
      { path: `${CONTAINERS_CERTS}/${lab.hosts.group}/ca.crt`, change: 'created', runtime: 'containers' },
      { path: DROP_IN, change: 'created', runtime: 'containers' },
      { path: authFile, change: 'created', runtime: 'containers' },
    ]));
    const steps = r.json.verify.steps as Array<{ name: string; runtime?: string; ok: boolean; skipped?: boolean }>;
    for (const name of ['podman-mirror-pull', 'podman-registry-pull', 'podman-push-roundtrip', 'podman-config']) expect(steps.find((s) => s.name === name), name).toMatchObject({ runtime: 'containers', ok: true });
    for (const name of ['mirror-pull', 'registry-pull', 'push-roundtrip']) expect(steps.find((s) => s.name === name), name).toMatchObject({ runtime: 'docker', ok: true });
    for (const name of ['cri-mirror-pull', 'cri-registry-pull']) expect(steps.find((s) => s.name === name), name).toMatchObject({ runtime: 'containerd', ok: true });
    for (const s of steps.filter((x) => x.name.endsWith('mirror-pull'))) expect(s.skipped, s.name).toBeUndefined();
    expect(JSON.parse(readFileSync(authFile, 'utf8'))).toEqual({ credHelpers: { [lab.hosts.group]: 'regsetup' } });
  });

  it('podman pulls a Docker Hub image by its full name through the mirror (digest proven) and from the registry', async () => {
    const ref = `docker.io/${hub()}`;
    await podman(['rmi', '--force', ref]);
    expect((await podman(['pull', '--quiet', ref])).exitCode).toBe(0);
    const [image] = JSON.parse((await podman(['image', 'inspect', '--format', 'json', ref])).stdout) as Array<{ RepoDigests: string[] }>;
    expect(image!.RepoDigests.some((d) => d.endsWith(`@${lab.hubImageDigests[hub()]}`))).toBe(true);
    const fromRegistry = await podman(['pull', '--quiet', `${lab.hosts.group}/${hub()}`]);
    expect(fromRegistry.exitCode, fromRegistry.stderr).toBe(0);
    await podman(['rmi', '--force', ref, `${lab.hosts.group}/${hub()}`]);
  });

  it('podman pushes with the helper\'s credentials (no --creds, no podman login)', async () => {
    const ref = `${lab.hosts.group}/e2e/podman:${uniqueTag()}`;
    const tar = tarFiles([{ name: 'podman.txt', data: Buffer.from(`${ref}\n`) }]);
    expect((await podman(['import', '--quiet', '-', ref], tar)).exitCode).toBe(0);
    const push = await podman(['push', '--format', 'v2s2', ref]);
    expect(push.exitCode, push.stderr).toBe(0);
    await podman(['rmi', '--force', ref]);
  });

  it('a second join changes nothing', async () => {
    const r = await regsetup(joinArgs(['--no-verify']), { env: sandbox.env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.changed).toBe(false);
  });

  it('status reports an entry removed by hand from the drop-in, under the containers runtime', async () => {
    const before = readFileSync(DROP_IN, 'utf8');
    writeFileSync(DROP_IN, before.replace(/\[\[registry\]\]\nprefix = "docker\.io"\nlocation = "docker\.io"\n\n(\[\[registry\.mirror\]\]\nlocation = "[^"]+"\n\n?)+/, ''));
    const status = await regsetup(['status', '--json'], { env: sandbox.env });
    const drift = (status.json.registries[0].runtimes as Array<{ runtime: string; drift: Array<{ what: string }> }>).find((x) => x.runtime === 'containers')!.drift;
    expect(drift.map((d) => d.what)).toContain(`entry docker.io was removed from ${DROP_IN}`);
    writeFileSync(DROP_IN, before);
  });

  it.each([
    ['malformed TOML', () => writeFileSync(DROP_IN, '[[registry]\nprefix = "x"\n'), /50-regsetup\.conf is not valid TOML: .* at line 1 column \d+/],
    ['a wrong type', () => writeFileSync(DROP_IN, '[[registry]]\nprefix = 5\n'), /50-regsetup\.conf \(line 2\): registry\.0\.prefix/],
    ['a huge file', () => writeFileSync(DROP_IN, `# ${'x'.repeat(2 * 1024 * 1024)}\n`), /bytes, more than the 1048576/],
    ['a binary file', () => writeFileSync(DROP_IN, Buffer.from([0x5b, 0x00, 0x01, 0xff, 0x0a])), /not a text file: a NUL byte at line 1/],
    ['a symlink', () => {
      const target = join(dirname(authFile), 'elsewhere.conf');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, '[[registry]]\nlocation = "quay.io"\n');
      rmSync(DROP_IN);
      symlinkSync(target, DROP_IN);
    }, /symbolic link to/],
  ])('refuses %s in the drop-in: exit 4, byte-identical, the place named', async (_name, make, message) => {
    const good = readFileSync(DROP_IN);
    make();
    const bytes = readFileSync(DROP_IN);
    const r = await regsetup(joinArgs(['--no-verify']), { env: sandbox.env });
    expect(r.exitCode).toBe(4);
    expect(r.json.error.message).toMatch(message);
    expect(readFileSync(DROP_IN).equals(bytes)).toBe(true);
    if (lstatSync(DROP_IN).isSymbolicLink()) rmSync(DROP_IN);
    writeFileSync(DROP_IN, good);
  });

  it('doctor diagnoses a v1 registries.conf, a masking user registries.conf and a missing containers CA', async () => {
    const conf = readFileSync(REGISTRIES_CONF);
    const user = join(sandbox.env.HOME, '.config/containers/registries.conf');
    const ca = `${CONTAINERS_CERTS}/${lab.hosts.group}/ca.crt`;
    const caBytes = readFileSync(ca);
    writeFileSync(REGISTRIES_CONF, "[registries.search]\nregistries = ['docker.io']\n");
    mkdirSync(dirname(user), { recursive: true });
    writeFileSync(user, 'unqualified-search-registries = ["docker.io"]\n');
    rmSync(ca);
    try {
      const r = await regsetup(['doctor', lab.hosts.group, '--json'], { env: sandbox.env });
      const ids = (r.json.findings as Array<{ id: string }>).map((f) => f.id);
      expect(ids).toEqual(expect.arrayContaining(['registries-conf-v1', 'registries-conf-user-masks', 'containers-ca-missing']));
    } finally {
      writeFileSync(REGISTRIES_CONF, conf);
      rmSync(user, { force: true });
      writeFileSync(ca, caBytes);
    }
  });

  it('leave restores every runtime\'s files: the drop-in, the CA and the auth file go, registries.conf.d is as it was', async () => {
    const r = await regsetup(['leave', lab.hosts.group, '--yes', '--json'], { env: sandbox.env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(DROP_IN)).toBe(false);
    expect(existsSync(`${CONTAINERS_CERTS}/${lab.hosts.group}`)).toBe(false);
    expect(existsSync(authFile)).toBe(false);
    const original = join(containers.dir, 'etc-containers/registries.conf.d');
    for (const name of existsSync(original) ? readdirSync(original) : []) {
      expect(readFileSync(`/etc/containers/registries.conf.d/${name}`).equals(readFileSync(join(original, name)))).toBe(true);
    }
    const info = JSON.parse((await podman(['info', '--format', 'json'])).stdout) as { registries: Record<string, { Mirrors: unknown[] | null }> };
    expect(info.registries['docker.io']?.Mirrors ?? []).toEqual([]);
  });
});
