// Credentials on a stock Debian server: `pass` is installed but was never initialised, there is
// no keyring. `regsetup login` must still leave no plaintext anywhere and the real docker CLI
// must push and pull through docker-credential-regsetup. Leaves /etc/docker, ~/.docker,
// /etc/regsetup, /var/lib/regsetup and /usr/local/bin as it found them: the store, its key and
// systemd-creds' host secret live in a temp dir (REGSETUP_CREDENTIALS_DIR, …_KEY_DIR,
// SYSTEMD_CREDENTIAL_SECRET), and the /usr/local/bin wrapper it installs is removed afterwards.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regsetup } from './helpers/cli.js';
import {
  backupHostState,
  buildTestImage,
  credentialSandbox,
  docker,
  installCa,
  labUser,
  loadLab,
  removeImages,
  restoreHostState,
  uniqueTag,
  type CredentialSandbox,
  type HostStateBackup,
} from './helpers/lab.js';

const WRAPPER = '/usr/local/bin/docker-credential-regsetup';
const STATE_DIR = '/var/lib/regsetup';
const WRAPPER_RECORD = `${STATE_DIR}/helper-wrapper.json`;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('credentials through docker-credential-regsetup (lab, real docker CLI, pass not initialised)', () => {
  const lab = loadLab();
  const group = lab.hosts.group;
  const admin = labUser('admin');
  const secrets = [admin.password, Buffer.from(admin.password).toString('base64'), Buffer.from(`admin:${admin.password}`).toString('base64')];
  let backup: HostStateBackup;
  let sandbox: CredentialSandbox;
  let tmp: string;
  let env: Record<string, string>;
  let had: { wrapper: boolean; stateDir: boolean; record: boolean; etcRegsetup: boolean };
  const images: string[] = [];

  const dockerEnv = (configDir: string) => ({ ...env, DOCKER_CONFIG: configDir });
  const helper = (action: string, input = '', extra: Record<string, string> = {}) =>
    execa(WRAPPER, [action], { input, env: { ...env, ...extra }, extendEnv: false, reject: false });

  beforeAll(async () => {
    had = { wrapper: existsSync(WRAPPER), stateDir: existsSync(STATE_DIR), record: existsSync(WRAPPER_RECORD), etcRegsetup: existsSync('/etc/regsetup') };
    backup = await backupHostState();
    await installCa(group);
    sandbox = await credentialSandbox('regsetup-creds-e2e-');
    tmp = sandbox.dir;
    env = sandbox.env;
    expect(existsSync('/usr/bin/pass'), 'this test needs Debian\'s pass installed').toBe(true);
    expect(existsSync(join(env.HOME!, '.password-store', '.gpg-id'))).toBe(false);
  });

  afterAll(async () => {
    await removeImages(...images);
    if (!had?.wrapper) await rm(WRAPPER, { force: true });
    if (!had?.record) await rm(WRAPPER_RECORD, { force: true });
    // Only what this test made: another suite may be writing its journal there meanwhile.
    if (!had?.stateDir) await rmdir(STATE_DIR).catch(() => undefined);
    expect(had?.etcRegsetup || !existsSync('/etc/regsetup'), 'the key belongs in the temp dir, not /etc/regsetup').toBe(true);
    if (backup) await restoreHostState(backup);
    await sandbox?.cleanup();
  });

  it('refuses a wrong password (exit 2) and stores nothing', async () => {
    const r = await regsetup(['login', group, '--username', 'admin', '--password-stdin', '--json'], { input: 'not-the-password\n', env });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.json.error.code).toBe('ERR_AUTH_REJECTED');
    expect(existsSync(join(tmp, 'store', 'credentials.json'))).toBe(false);
  });

  it('login stores through the helper; docker push and pull work; no plaintext anywhere', async () => {
    const r = await regsetup(['login', group, '--username', 'admin', '--password-stdin', '--json'], { input: `${admin.password}\n`, env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ command: 'login', changed: true, ok: true, registry: group, backend: 'file', configChanged: true, stored: true });
    const again = await regsetup(['login', group, '--username', 'admin', '--password-stdin', '--json'], { input: `${admin.password}\n`, env });
    expect(again.json).toMatchObject({ command: 'login', changed: false, stored: false, configChanged: false, helper: { installed: false } });
    for (const s of secrets) expect(r.stdout + r.stderr).not.toContain(s);
    expect(JSON.parse(await readFile(join(tmp, 'docker', 'config.json'), 'utf8'))).toEqual({ credHelpers: { [group]: 'regsetup' } });
    expect(existsSync(WRAPPER)).toBe(true);
    // The key is sealed with systemd-creds (root, systemd-creds present), bound to the temp host secret.
    expect(JSON.parse(await readFile(join(tmp, 'store', 'config.json'), 'utf8')).key.kind).toBe('systemd-creds');
    expect(((await stat(join(tmp, 'store', 'credentials.json'))).mode & 0o777).toString(8)).toBe('600');

    const ref = `${group}/e2e/creds:${uniqueTag()}`;
    images.push(ref);
    await buildTestImage(ref);
    await docker(['push', ref], { env: dockerEnv(join(tmp, 'docker')) });
    await docker(['rmi', ref]);
    await docker(['pull', ref], { env: dockerEnv(join(tmp, 'docker')) });

    const scanned = [join(tmp, 'docker'), join(tmp, 'store'), join(tmp, 'key'), '/etc/docker', '/etc/regsetup', STATE_DIR, join(tmp, 'home')];
    for (const dir of scanned) {
      for (const file of await filesUnder(dir)) {
        const text = await readFile(file, 'latin1');
        for (const s of secrets) expect(text.includes(s), `${file} holds the password`).toBe(false);
      }
    }
  });

  it('docker-credential-regsetup speaks the protocol: list shows the registry, get a not-found exactly', async () => {
    const list = await helper('list');
    expect(list.exitCode).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual({ [group]: 'admin' });
    const missing = await helper('get', 'nowhere.example');
    expect({ code: missing.exitCode, out: missing.stdout }).toEqual({ code: 1, out: 'credentials not found in native keychain' });
  });

  it('creds doctor names the helper, says pass is not initialised, finds no plaintext', async () => {
    const r = await regsetup(['creds', 'doctor', '--json'], { env });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.json.pass).toMatchObject({ installed: true, initialised: false });
    expect(r.json.helpers).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: 'regsetup', working: true, serves: [group] }),
      expect.objectContaining({ name: 'pass', working: false }),
    ]));
    expect(r.json.registries).toEqual([{ registry: group, servedBy: { kind: 'helper', helper: 'regsetup', via: 'credHelpers' }, ok: true }]);
  });

  it('creds migrate moves what an old `docker login` left in plaintext; pushes still work', async () => {
    const old = join(tmp, 'old-docker');
    await mkdir(old);
    const auth = Buffer.from(`admin:${admin.password}`).toString('base64');
    await writeFile(join(old, 'config.json'), `{\n\t"auths": {\n\t\t"${group}": {\n\t\t\t"auth": "${auth}"\n\t\t}\n\t}\n}`, { mode: 0o600 });

    const noTty = await regsetup(['creds', 'migrate', '--docker-config', old], { env });
    expect(noTty.exitCode).toBe(2);
    expect(noTty.stderr).toContain('ERR_CONFIRMATION_REQUIRED');
    const dry = await regsetup(['creds', 'migrate', '--dry-run', '--json', '--docker-config', old], { env });
    expect(dry.json.items).toEqual([{ authKey: group, registry: group, username: 'admin', action: 'move' }]);
    expect(dry.json.changed).toBe(false);
    expect(await readFile(join(old, 'config.json'), 'utf8')).toContain(auth);

    const r = await regsetup(['creds', 'migrate', '--yes', '--json', '--docker-config', old], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ command: 'creds migrate', changed: true, moved: [group] });
    const after = await readFile(join(old, 'config.json'), 'utf8');
    for (const s of secrets) expect(after).not.toContain(s);
    expect(JSON.parse(after)).toEqual({ auths: {}, credHelpers: { [group]: 'regsetup' } });

    const ref = `${group}/e2e/creds:${uniqueTag('m')}`;
    images.push(ref);
    await buildTestImage(ref);
    await docker(['push', ref], { env: dockerEnv(old) });
  });

  it('docker logout erases through the helper: the next push is refused', async () => {
    const out = await docker(['logout', group], { env: dockerEnv(join(tmp, 'docker')) });
    expect(out.output).not.toContain('WARNING');
    expect(JSON.parse((await helper('list')).stdout)).toEqual({});
    const ref = `${group}/e2e/creds:${uniqueTag('l')}`;
    images.push(ref);
    await buildTestImage(ref);
    const push = await docker(['push', ref], { env: dockerEnv(join(tmp, 'docker')), reject: false });
    expect(push.exitCode).not.toBe(0);
    expect(push.output).toMatch(/denied|unauthorized|authentication required|no basic auth credentials/i);
  });
});
