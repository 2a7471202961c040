import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { removeHelperWrapperIfUnused, WRAPPER_PATH, WRAPPER_RECORD } from '../../src/credentials/helper-wrapper.js';
import { loginRegistry, logoutRegistry } from '../../src/credentials/login.js';
import { migrateCredentials } from '../../src/credentials/migrate.js';
import { nodeFiles } from '../../src/host/files.js';
import { fileError } from '../../src/host/fs-errors.js';
import { fakeDockerApi } from '../fakes/fake-docker-api.js';
import { memoryBackend } from '../fakes/memory-credential-backend.js';

const uid = process.getuid?.() ?? 0;
const self = { node: '/opt/node/bin/node', script: '/opt/regsetup/bin/docker-credential-regsetup' };
const b64 = (s: string) => Buffer.from(s).toString('base64');

function setup(config?: string) {
  const { fs } = memfs({ '/usr/local/.keep': '', '/root/.docker/.keep': '', '/var/lib/.keep': '', ...(config === undefined ? {} : { '/root/.docker/config.json': config }) });
  const store = memoryBackend();
  const docker = fakeDockerApi({ logins: { 'nexus.example.com': { username: 'ci', password: 'right-password' } } });
  const files = nodeFiles(fs);
  return { fs, store, docker, ports: { files, docker, store, env: { PATH: '/usr/local/bin:/usr/bin' }, uid } };
}

const input = { registry: 'nexus.example.com', username: 'ci', password: 'right-password', dockerConfigDir: '/root/.docker', root: '/', self };

describe('loginRegistry', () => {
  it('checks through the daemon, stores in the helper, points config.json at it and drops the plaintext', async () => {
    const { fs, store, ports } = setup(`{\n\t"auths": {\n\t\t"nexus.example.com": {\n\t\t\t"auth": "${b64('ci:old')}"\n\t\t}\n\t},\n\t"credsStore": "desktop"\n}`);
    const result = await loginRegistry(ports, input);
    expect(result).toMatchObject({ registry: 'nexus.example.com', removedPlaintext: ['nexus.example.com'], configChanged: true, helper: { path: WRAPPER_PATH, installed: true } });
    expect(store.entries.get('nexus.example.com')).toEqual({ ServerURL: 'nexus.example.com', Username: 'ci', Secret: 'right-password' });
    expect(fs.readFileSync('/root/.docker/config.json', 'utf8')).toMatchInlineSnapshot(`
      "{
      	"auths": {},
      	"credsStore": "desktop",
      	"credHelpers": {
      		"nexus.example.com": "regsetup"
      	}
      }"
    `);
    expect(fs.readFileSync(WRAPPER_PATH, 'utf8')).toMatchInlineSnapshot(`
      "#!/bin/sh
      # Installed by \`regsetup login\` so the docker CLI finds regsetup's credential helper.
      # \`regsetup leave\` removes it once no Docker config uses the helper any more.
      exec '/opt/node/bin/node' '/opt/regsetup/bin/docker-credential-regsetup' "$@"
      "
    `);
    expect(fs.statSync(WRAPPER_PATH).mode & 0o777).toBe(0o755);
  });

  it('refuses wrong credentials (exit 2) and changes nothing', async () => {
    const { fs, store, ports } = setup('{}');
    await expect(loginRegistry(ports, { ...input, password: 'wrong-password' })).rejects.toMatchObject({ code: 'ERR_AUTH_REJECTED', exitCode: 2 });
    expect(store.entries.size).toBe(0);
    expect(fs.readFileSync('/root/.docker/config.json', 'utf8')).toBe('{}');
    expect(fs.existsSync(WRAPPER_PATH)).toBe(false);
  });

  it('a daemon that cannot reach the registry is a refusal (exit 4), not a wrong password, and never shows the password', async () => {
    const { ports } = setup('{}');
    ports.docker.checkAuth = async () => ({ ok: false, status: '500', error: 'Get "https://nexus.example.com/v2/": x509: certificate signed by unknown authority' });
    const error = await loginRegistry(ports, input).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_LOGIN_FAILED', exitCode: 4 });
    expect(JSON.stringify({ m: (error as Error).message })).not.toContain('right-password');
  });

  it('creates a missing config.json 0600 and uses a helper already on PATH', async () => {
    const { fs, ports } = setup();
    fs.mkdirSync('/usr/bin', { recursive: true });
    fs.writeFileSync('/usr/bin/docker-credential-regsetup', '#!', { mode: 0o755 });
    const result = await loginRegistry(ports, input);
    expect(result.helper).toEqual({ path: '/usr/bin/docker-credential-regsetup', installed: false });
    expect(fs.statSync('/root/.docker/config.json').mode & 0o777).toBe(0o600);
    expect(fs.existsSync(WRAPPER_PATH)).toBe(false);
  });

  it('logout erases and drops the entry; the wrapper goes once nothing uses it', async () => {
    const { fs, store, ports } = setup('{"credHelpers":{"gcr.io":"gcloud"}}');
    await loginRegistry(ports, input);
    expect(await removeHelperWrapperIfUnused(ports.files)).toMatchObject({ removed: false });
    expect(await logoutRegistry(ports, { registry: 'nexus.example.com', dockerConfigDir: '/root/.docker' })).toEqual({ registry: 'nexus.example.com', erased: true, configChanged: true });
    expect(store.entries.size).toBe(0);
    expect(JSON.parse(fs.readFileSync('/root/.docker/config.json', 'utf8') as string)).toEqual({ credHelpers: { 'gcr.io': 'gcloud' } });
    expect(await removeHelperWrapperIfUnused(ports.files)).toMatchObject({ removed: true });
    expect(fs.existsSync(WRAPPER_PATH)).toBe(false);
    expect(fs.existsSync(WRAPPER_RECORD)).toBe(false);
  });

  it("a rootless dockerd's user, who cannot read root's state directory, has no wrapper of theirs to remove", async () => {
    const { ports } = setup();
    const denied = { ...ports.files, readText: async (path: string) => (path === WRAPPER_RECORD ? Promise.reject(fileError(Object.assign(new Error('denied'), { code: 'EACCES' }), 'read', path)) : ports.files.readText(path)) };
    expect(await removeHelperWrapperIfUnused(denied)).toEqual({ removed: false, reason: 'regsetup did not install a helper wrapper' });
  });
});

describe('migrateCredentials', () => {
  const oldLogin = JSON.stringify({
    auths: {
      'nexus.example.com': { auth: b64('ci:pw-one') },
      'https://index.docker.io/v1/': { auth: b64('hubuser:pw-two') },
      'gcr.io': { auth: b64('_json_key:pw-three') },
      'token.example': { auth: b64('x:'), identitytoken: 'refresh-token-value' },
      'empty.example': {},
    },
    credHelpers: { 'gcr.io': 'gcloud' },
  }, null, '\t');

  it('--dry-run lists and changes nothing', async () => {
    const { fs, store, ports } = setup(oldLogin);
    const result = await migrateCredentials(ports, { dockerConfigDir: '/root/.docker', dryRun: true });
    expect(result.items.map((i) => [i.action, i.registry, i.username])).toEqual([
      ['move', 'nexus.example.com', 'ci'],
      ['move', 'https://index.docker.io/v1/', 'hubuser'],
      ['skip', 'gcr.io', '_json_key'],
      ['move', 'token.example', '<token>'],
    ]);
    expect(store.entries.size).toBe(0);
    expect(fs.readFileSync('/root/.docker/config.json', 'utf8')).toBe(oldLogin);
  });

  it('moves every inline credential and rewrites config.json once', async () => {
    const { fs, store, ports } = setup(oldLogin);
    const result = await migrateCredentials(ports, { dockerConfigDir: '/root/.docker', confirm: async () => true });
    expect(result.moved).toEqual(['nexus.example.com', 'https://index.docker.io/v1/', 'token.example']);
    expect(store.entries.get('token.example')).toEqual({ ServerURL: 'token.example', Username: '<token>', Secret: 'refresh-token-value' });
    const after = fs.readFileSync('/root/.docker/config.json', 'utf8') as string;
    for (const secret of ['pw-one', 'pw-two', 'refresh-token-value', b64('ci:pw-one')]) expect(after).not.toContain(secret);
    expect(after).toMatchInlineSnapshot(`
      "{
      	"auths": {
      		"gcr.io": {
      			"auth": "X2pzb25fa2V5OnB3LXRocmVl"
      		},
      		"empty.example": {}
      	},
      	"credHelpers": {
      		"gcr.io": "gcloud",
      		"nexus.example.com": "regsetup",
      		"https://index.docker.io/v1/": "regsetup",
      		"token.example": "regsetup"
      	}
      }"
    `);
  });

  it('a declined confirmation changes nothing', async () => {
    const { fs, store, ports } = setup(oldLogin);
    expect(await migrateCredentials(ports, { dockerConfigDir: '/root/.docker', confirm: async () => false })).toMatchObject({ cancelled: true, moved: [] });
    expect(store.entries.size).toBe(0);
    expect(fs.readFileSync('/root/.docker/config.json', 'utf8')).toBe(oldLogin);
  });

  it('when the helper fails midway, erases what it stored and leaves config.json alone (exit 5)', async () => {
    const { fs, store, ports } = setup(oldLogin);
    const realStore = store.store;
    store.store = async (c) => {
      if (c.ServerURL === 'token.example') throw new Error('helper exploded');
      return realStore(c);
    };
    await expect(migrateCredentials(ports, { dockerConfigDir: '/root/.docker' })).rejects.toMatchObject({ code: 'ERR_MIGRATE_FAILED', exitCode: 5 });
    expect(store.entries.size).toBe(0);
    expect(fs.readFileSync('/root/.docker/config.json', 'utf8')).toBe(oldLogin);
  });
});
