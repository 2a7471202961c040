import { spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// regsetup as a real unprivileged user (nobody, via setpriv): what it cannot touch is named up
// front with exit 4; what is his own passes. The tests run as root, which sets the scene.
const NOBODY = 65534;
let tmp: string;
let server: Server;

function asNobody(...args: string[]) {
  return asNobodyWith({ HOME: '/nonexistent' }, ...args);
}

function asNobodyWith(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, resolve('bin/regsetup'), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, TERM: 'dumb', ...env },
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const journal = JSON.stringify({ version: 1, registries: {} });

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'regsetup-nobody-'));
  await chmod(tmp, 0o755);
  // Root's host: the state directory as join leaves it, closed to other users.
  await mkdir(join(tmp, 'root-host/var/lib/regsetup'), { recursive: true });
  await writeFile(join(tmp, 'root-host/var/lib/regsetup/state.json'), journal);
  await chmod(join(tmp, 'root-host/var/lib/regsetup'), 0o700);
  // A host whose paths belong to nobody (what a rootless user has of his own).
  await mkdir(join(tmp, 'own-host/var/lib/regsetup'), { recursive: true });
  await writeFile(join(tmp, 'own-host/var/lib/regsetup/state.json'), journal);
  for (const p of ['own-host', 'own-host/var', 'own-host/var/lib', 'own-host/var/lib/regsetup', 'own-host/var/lib/regsetup/state.json']) await chown(join(tmp, p), NOBODY, NOBODY);
  // root's Docker socket: srw-rw---- root:root, as dockerd makes it without a docker group.
  server = createServer();
  await new Promise<void>((ok) => server.listen(join(tmp, 'docker.sock'), ok));
  await chmod(join(tmp, 'docker.sock'), 0o660);
});
afterAll(async () => {
  await new Promise<void>((ok) => server.close(() => ok()));
  await rm(tmp, { recursive: true, force: true });
});

describe('as an unprivileged user', { timeout: 60_000 }, () => {
  it('status names the state directory it cannot enter (exit 4, ERR_PERMISSION)', () => {
    const r = asNobody('status', '--root', join(tmp, 'root-host'), '--json');
    expect(r.code).toBe(4);
    const error = JSON.parse(r.stdout).error;
    expect(error.code).toBe('ERR_PERMISSION');
    expect(error.message).toContain(`${tmp}/root-host/var/lib/regsetup cannot be entered: owned by uid 0 (gid 0), mode 0700`);
    expect(error.message).toContain('the journal of what regsetup manages');
    expect(error.hint).toContain(`uid ${NOBODY}`);
    expect(error.hint).toContain('sudo');
    expect(r.stderr).not.toMatch(/ERR_UNEXPECTED|looks like a bug/);
  });

  it('status works on paths of his own', () => {
    const r = asNobody('status', '--root', join(tmp, 'own-host'));
    expect(r).toMatchObject({ code: 0, stdout: 'regsetup manages no registry on this host.\n' });
  });

  it("status of a rootless dockerd's user reads their own journal (~/.local/state/regsetup), not root's", async () => {
    const home = join(tmp, 'nobody-home');
    const state = join(home, '.local/state/regsetup');
    await mkdir(state, { recursive: true });
    const record = { kind: 'docker', daemonJsonPath: `${home}/.config/docker/daemon.json`, added: { mirrors: ['https://r.example'], insecure: [] }, files: [] };
    const entry = { registry: 'r.example', joinedAt: '2026-05-01T10:00:00.000Z', updatedAt: '2026-05-01T10:00:00.000Z', runtimes: { [`docker-rootless:${NOBODY}`]: record } };
    await writeFile(join(state, 'state.json'), JSON.stringify({ version: 2, registries: { 'r.example': entry } }));
    for (const p of ['nobody-home', 'nobody-home/.local', 'nobody-home/.local/state', 'nobody-home/.local/state/regsetup', 'nobody-home/.local/state/regsetup/state.json']) await chown(join(tmp, p), NOBODY, NOBODY);
    const r = asNobodyWith({ HOME: home, XDG_RUNTIME_DIR: join(tmp, 'no-runtime-dir') }, 'status', '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({ registries: [{ registry: 'r.example', runtimes: [{ runtime: `docker-rootless:${NOBODY}`, running: false }] }] });
    // The mirror it recorded is gone from the (absent) daemon.json: that is drift, exit 3.
    expect(r.code).toBe(3);
  });

  it('verify names the Docker socket it may not open, not "is the daemon running?"', () => {
    const r = asNobody('verify', 'r.example', '--docker-host', `unix://${tmp}/docker.sock`);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`ERR_PERMISSION`);
    expect(r.stderr).toContain(`cannot connect to ${tmp}/docker.sock: owned by uid 0 (gid 0), mode 0660`);
    expect(r.stderr).not.toContain('Is the docker daemon running');
  });

  it('join names every path it would write and the socket, before anything else', () => {
    const r = asNobody('join', 'r.example', '--root', join(tmp, 'root-host'), '--docker-host', `unix://${tmp}/docker.sock`, '--yes');
    expect(r.code).toBe(4);
    for (const p of [`${tmp}/root-host/var/lib/regsetup`, `${tmp}/docker.sock`, 'daemon.json there', 'the registry CA there']) expect(r.stderr).toContain(p);
  });

  it('help and version need nothing', () => {
    expect(asNobody('--version').code).toBe(0);
    expect(asNobody('status', '--help').code).toBe(0);
  });
});
