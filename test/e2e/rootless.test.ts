// A rootless dockerd joined by its own user, without root (issue 11): the lab runs one for
// rslab-rootless (dockerd-rootless.sh, rootlesskit, host network; lab.json `rootless`). regsetup runs
// as that user through setpriv — no root, no sudo — finds the daemon by itself (no DOCKER_HOST),
// writes only under the user's home, keeps its journal in ~/.local/state/regsetup, reloads through
// rootlesskit, verifies through that daemon, and leaves it as it was. The system dockerd, its files
// and root's journal are not touched. Everything of the user's is put back afterwards.
import { execa } from 'execa';
import { X509Certificate, createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffManifests, manifest, restoreSnapshot, saveSnapshot, type Entry } from './helpers/host-snapshot.js';
import { validateDocument } from '../json-documents.js';
import { regsetup } from './helpers/cli.js';
import { daemonJsonPath, daemonRegistryConfig, dockerBin, labUser, loadLab, normalizeMirror, sleep, type DaemonRegistryConfig, type LabInfo, type LabRootless } from './helpers/lab.js';

const bin = fileURLToPath(new URL('../../bin/regsetup', import.meta.url));
const helperScript = fileURLToPath(new URL('../../bin/docker-credential-regsetup', import.meta.url));
const ROOT_PATHS = ['/etc/docker', '/var/lib/regsetup'];

interface RootSide {
  files: Entry[];
  daemonJson: string | null;
  registry: DaemonRegistryConfig;
}

const rootSide = async (): Promise<RootSide> => ({
  files: await manifest(ROOT_PATHS),
  daemonJson: await readFile(await daemonJsonPath(), 'utf8').catch(() => null),
  registry: await daemonRegistryConfig(),
});

const filesUnder = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).map((e) => join(e.parentPath, e.name)) : [];

describe('a rootless dockerd joined by its user, without root (lab)', () => {
  let lab: LabInfo;
  let rl: LabRootless;
  let gid: number;
  let tmp: string;
  let userRoots: string[];
  let savedUser: Entry[];
  let before: RootSide;
  let rootlessBefore: { mirrors: string[]; dockerdPid: number };
  const group = () => lab.hosts.group;
  const admin = () => labUser('admin');

  /** The user's environment, as a login shell would give it: nothing of root's, no DOCKER_HOST. */
  const userEnv = () => ({
    HOME: rl.home,
    USER: rl.user,
    LOGNAME: rl.user,
    PATH: `${rl.home}/.local/bin:/usr/local/bin:/usr/bin:/bin`,
    XDG_RUNTIME_DIR: rl.runtimeDir,
    REGSETUP_DEBUG: '',
  });

  /** A command as rslab-rootless: setpriv drops to its uid, gid and groups; no privilege is left. */
  async function asUser(argv: string[], input = '') {
    const env = Object.entries(userEnv()).map(([k, v]) => `${k}=${v}`);
    const r = await execa('setpriv', [`--reuid=${rl.uid}`, `--regid=${gid}`, '--init-groups', 'env', '-i', ...env, ...argv], { input, reject: false, cwd: rl.home, timeout: 180_000, extendEnv: false, env: {} });
    const stdout = String(r.stdout ?? '');
    let json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      json = JSON.parse(stdout);
    } catch {
      json = undefined;
    }
    return { exitCode: r.exitCode ?? -1, stdout, stderr: String(r.stderr ?? ''), json };
  }
  const regsetupAsUser = async (args: string[], input = '') => {
    const r = await asUser([process.execPath, bin, ...args], input);
    if (args.includes('--json') && r.json !== undefined) validateDocument(r.json);
    return r;
  };
  const dockerAsUser = (...args: string[]) => asUser([dockerBin, '-H', rl.dockerHost, ...args]);
  const rootlessMirrors = async () => {
    const r = await dockerAsUser('info', '--format', '{{json .RegistryConfig.Mirrors}}');
    expect(r.exitCode, r.stderr).toBe(0);
    return ((JSON.parse(r.stdout) as string[] | null) ?? []).map(normalizeMirror);
  };
  const rootlessDockerdPid = () => Number(readFileSync(join(rl.runtimeDir, 'docker.pid'), 'utf8').trim());
  const joinArgs = () => ['join', group(), '--ca-url', lab.caUrl, '--ca-fingerprint', lab.caFingerprint, '--yes', '--json'];

  beforeAll(async () => {
    lab = loadLab();
    if (lab.rootless === null) throw new Error('the lab runs no rootless dockerd (lab.json "rootless" is null): bring the lab up with it');
    rl = lab.rootless;
    gid = Number((await execa('id', ['-g', rl.user])).stdout.trim());
    tmp = await mkdtemp(join(tmpdir(), 'regsetup-rootless-e2e-'));
    // Everything of the user's the run may touch, saved to be put back byte for byte — and nothing
    // more: ~/.local/share/docker is the running daemon's data root (lab.json rootless.dataRoot).
    userRoots = [
      rl.configDir,
      join(rl.home, '.docker'),
      join(rl.home, '.local', 'state', 'regsetup'),
      join(rl.home, '.local', 'share', 'regsetup'),
      join(rl.home, '.local', 'bin'),
      join(rl.home, '.config', 'regsetup'),
    ];
    for (const root of userRoots) expect(rl.dataRoot.startsWith(`${root}/`) || rl.dataRoot === root, `${root} holds the data root`).toBe(false);
    savedUser = await saveSnapshot(userRoots, join(tmp, 'user.tar'));
    before = await rootSide();
    rootlessBefore = { mirrors: await rootlessMirrors(), dockerdPid: rootlessDockerdPid() };
    // The docker CLI finds docker-credential-regsetup on the user's PATH: a wrapper of their own
    // (what regsetup's hint says to do when /usr/local/bin is not theirs to write).
    const created = !existsSync(join(rl.home, '.local'));
    await mkdir(join(rl.home, '.local', 'bin'), { recursive: true });
    const wrapper = join(rl.home, '.local', 'bin', 'docker-credential-regsetup');
    await writeFile(wrapper, `#!/bin/sh\nexec '${process.execPath}' '${helperScript}' "$@"\n`, { mode: 0o755 });
    for (const p of [...(created ? [join(rl.home, '.local')] : []), join(rl.home, '.local', 'bin'), wrapper]) await chown(p, rl.uid, gid);
  });

  afterAll(async () => {
    if (rl === undefined) return;
    await restoreSnapshot(userRoots, join(tmp, 'user.tar'), savedUser);
    // Should a test have stopped half-way, the daemon re-reads what was restored.
    try {
      if (rl.rootlesskitPid) process.kill(rl.rootlesskitPid, 'SIGHUP');
    } catch {
      // not running any more: nothing to tell
    }
    await rm(tmp, { recursive: true, force: true });
    expect(diffManifests(savedUser, await manifest(userRoots))).toEqual([]);
  });

  it('runs as the user: no root, no capability', async () => {
    const r = await asUser(['sh', '-c', 'id -u; grep ^CapEff /proc/self/status']);
    expect(r.stdout.split('\n')[0]).toBe(String(rl.uid));
    expect(r.stdout).toMatch(/CapEff:\s+0+$/m);
  });

  it("as root, join plans the system dockerd only and says it leaves the user's rootless dockerd alone", async () => {
    const r = await regsetup([...joinArgs(), '--runtime', 'docker', '--dry-run']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.plan.runtimes.map((x: { runtime: string }) => x.runtime)).toEqual(['docker']);
    expect(r.stderr).toContain(`left alone: dockerd (rootless, ${rl.user}) is ${rl.user}'s`);
    expect(await rootSide()).toEqual(before);
  });

  it('the user joins their rootless dockerd: files, reload through rootlesskit, verify, credentials — all their own', async () => {
    const r = await regsetupAsUser([...joinArgs(), '--username', admin().username, '--password-stdin'], `${admin().password}\n`);
    expect(r.exitCode, `${r.stderr}\n${r.stdout}`).toBe(0);
    expect(r.json).toMatchObject({ ok: true, changed: true, runtimes: [{ runtime: `docker-rootless:${rl.uid}`, label: `dockerd (rootless, ${rl.user})`, activation: 'reload', activated: true }], verify: { ok: true } });
    expect(r.stdout + r.stderr).not.toContain(admin().password);

    // Its daemon.json and CA, in the user's config dir, owned by the user.
    const daemonJson = join(rl.configDir, 'daemon.json');
    expect((JSON.parse(readFileSync(daemonJson, 'utf8')) as Record<string, string[]>)['registry-mirrors']).toContain(`https://${group()}`);
    const ca = readFileSync(join(rl.configDir, 'certs.d', group(), 'ca.crt'), 'utf8');
    expect(`sha256:${createHash('sha256').update(new X509Certificate(ca).raw).digest('hex')}`).toBe(lab.caFingerprint);
    // The journal in the user's state directory, with the session's own id.
    const journal = JSON.parse(readFileSync(join(rl.home, '.local/state/regsetup/state.json'), 'utf8'));
    expect(Object.keys(journal.registries[group()].runtimes)).toEqual([`docker-rootless:${rl.uid}`]);
    // Nothing it made belongs to root.
    const there = new Set(savedUser.filter((e) => e.type !== 'absent').map((e) => e.path));
    const made = [rl.configDir, join(rl.home, '.local/state/regsetup'), join(rl.home, '.docker')].flatMap(filesUnder).filter((p) => !there.has(p));
    expect(made.filter((p) => lstatSync(p).uid !== rl.uid)).toEqual([]);

    // Reloaded, not restarted: the same dockerd shows the mirror.
    expect(rootlessDockerdPid()).toBe(rootlessBefore.dockerdPid);
    expect(await rootlessMirrors()).toContain(`https://${group()}`);

    // The user's docker CLI pushes and pulls through the helper; no file of theirs holds the password.
    expect(JSON.parse(readFileSync(join(rl.home, '.docker', 'config.json'), 'utf8')).credHelpers).toMatchObject({ [group()]: 'regsetup' });
    const hubImage = `${group()}/${lab.hubImages[0]!}`;
    const ref = `${group()}/e2e/rootless:${Date.now()}`;
    const pull = await dockerAsUser('pull', hubImage);
    expect(pull.exitCode, pull.stderr).toBe(0);
    expect((await dockerAsUser('tag', hubImage, ref)).exitCode).toBe(0);
    const push = await dockerAsUser('push', ref);
    expect(push.exitCode, push.stderr).toBe(0);
    await dockerAsUser('rmi', '-f', ref, hubImage);
    for (const file of userRoots.flatMap(filesUnder).filter((p) => lstatSync(p).isFile())) {
      expect(readFileSync(file, 'latin1').includes(admin().password), file).toBe(false);
    }

    // The system dockerd, its files and root's journal: exactly as they were.
    expect(await rootSide()).toEqual(before);
  });

  it("status, as the user, reads the user's journal: as joined", async () => {
    const r = await regsetupAsUser(['status', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ ok: true, registries: [{ registry: group(), drifted: false, runtimes: [{ runtime: `docker-rootless:${rl.uid}`, running: true, drift: [] }] }] });
  });

  it("doctor, as the user, checks their rootless dockerd (its daemon.json, certs.d, their journal): clean; as root it names that dockerd as the user's to check", async () => {
    const r = await regsetupAsUser(['doctor', group(), '--json']);
    const errors = ((r.json?.findings ?? []) as Array<{ id: string; severity: string; seen: string }>).filter((f) => f.severity === 'error');
    expect(r.exitCode, `${r.stderr}\n${r.stdout}`).toBe(0);
    expect(errors).toEqual([]);
    // Root's dockerd is only pointed at (an info finding: another daemon, checked with --docker-host); nothing checked its files.
    const findings = (r.json?.findings ?? []) as Array<{ id: string; seen: string }>;
    expect(findings.filter((f) => f.id !== 'dockerd-not-checked').map((f) => f.seen).join('\n')).not.toContain('/etc/docker/daemon.json');
    expect(r.stderr).not.toMatch(/daemon-json.*\/etc\/docker\/daemon\.json/);
    const asRoot = await regsetup(['doctor', '--json']);
    expect(asRoot.json.findings).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'dockerd-not-checked', severity: 'info', seen: expect.stringContaining(`dockerd (rootless, ${rl.user})`), fix: expect.stringContaining(`sudo -iu ${rl.user} regsetup doctor`) })]));
    expect(await rootSide()).toEqual(before);
  }, 240_000);

  it('leave, as the user, gives the rootless dockerd back what it had; root is untouched', async () => {
    const r = await regsetupAsUser(['leave', group(), '--yes', '--json']);
    expect(r.exitCode, `${r.stderr}\n${r.stdout}`).toBe(0);
    expect(existsSync(join(rl.configDir, 'certs.d', group(), 'ca.crt'))).toBe(false);
    for (let i = 0; i < 20 && (await rootlessMirrors()).join() !== rootlessBefore.mirrors.join(); i++) await sleep(100);
    expect(await rootlessMirrors()).toEqual(rootlessBefore.mirrors);
    expect(rootlessDockerdPid()).toBe(rootlessBefore.dockerdPid);
    expect(JSON.parse(readFileSync(join(rl.home, '.local/state/regsetup/state.json'), 'utf8')).registries).toEqual({});
    const config = JSON.parse(readFileSync(join(rl.home, '.docker', 'config.json'), 'utf8')) as { credHelpers?: Record<string, string> };
    expect(config.credHelpers?.[group()]).toBeUndefined();
    expect(await rootSide()).toEqual(before);
  });
});
