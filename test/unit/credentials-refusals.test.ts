import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { WRAPPER_PATH } from '../../src/credentials/helper-wrapper.js';
import { loginRegistry } from '../../src/credentials/login.js';
import { migrateCredentials } from '../../src/credentials/migrate.js';
import { credentialStore } from '../../src/credentials/store.js';
import { fileError } from '../../src/host/fs-errors.js';
import { nodeFiles, type Files } from '../../src/host/files.js';
import type { Processes } from '../../src/host/processes.js';
import { fakeDockerApi } from '../fakes/fake-docker-api.js';

// §4: nothing is stored (no secret, no key, no store directory) when login or creds migrate
// refuses, and what a run stored is put back when a later step fails.

const uid = process.getuid?.() ?? 0;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const CONFIG = '/root/.docker/config.json';
const STORE = '/var/lib/regsetup/credentials';
const KEYS = '/etc/regsetup/private';
const env = { PATH: '/usr/local/bin', HOME: '/root', REGSETUP_CREDENTIALS_DIR: STORE, REGSETUP_CREDENTIALS_KEY_DIR: KEYS, REGSETUP_CREDENTIALS_BACKEND: 'file', REGSETUP_CREDENTIALS_KEY_PROTECTION: 'file' };
const noProcesses: Pick<Processes, 'run'> = { run: async () => ({ exitCode: 127, stdout: '', stderr: 'not found', timedOut: false }) };
const self = { node: '/opt/node/bin/node', script: '/opt/regsetup/bin/docker-credential-regsetup' };
const plaintext = `{\n\t"auths": {\n\t\t"nexus.example.com": { "auth": "${b64('ci:old-secret')}" }\n\t}\n}\n`;

function setup(prepare: (fs: ReturnType<typeof memfs>['fs']) => void) {
  const { fs, vol } = memfs({ '/usr/local/bin/.keep': '', '/root/.docker/.keep': '', '/var/lib/.keep': '', '/etc/.keep': '' });
  prepare(fs);
  const files = nodeFiles(fs);
  const store = credentialStore({ files, processes: noProcesses, env, uid });
  const docker = fakeDockerApi({ logins: { 'nexus.example.com': { username: 'ci', password: 'right-password' } } });
  const ports = { files, store, docker, env, uid };
  return { fs, vol, files, store, ports };
}

const refusals: Array<[string, (fs: ReturnType<typeof memfs>['fs']) => void, string]> = [
  ['10,000 nested arrays', (fs) => fs.writeFileSync(CONFIG, `{"auths": {"nexus.example.com": {"auth": "${b64('ci:x')}"}}, "a": ${'['.repeat(10_000)}${']'.repeat(10_000)}}`), 'ERR_DOCKER_CONFIG_MALFORMED'],
  ['auths twice', (fs) => fs.writeFileSync(CONFIG, `{"auths": {"nexus.example.com": {"auth": "${b64('ci:x')}"}}, "auths": {}}`), 'ERR_DOCKER_CONFIG_MALFORMED'],
  ['a registry twice in auths', (fs) => fs.writeFileSync(CONFIG, `{"auths": {"a.example": {"auth": "${b64('u:p')}"}, "a.example": {}}}`), 'ERR_DOCKER_CONFIG_MALFORMED'],
  ['"Auths" (docker reads it as auths)', (fs) => fs.writeFileSync(CONFIG, `{"Auths": {"nexus.example.com": {"auth": "${b64('ci:x')}"}}}`), 'ERR_DOCKER_CONFIG_MALFORMED'],
  ['a UTF-8 BOM', (fs) => fs.writeFileSync(CONFIG, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(plaintext)])), 'ERR_DOCKER_CONFIG_MALFORMED'],
  ['truncated JSON', (fs) => fs.writeFileSync(CONFIG, '{"auths": {'), 'ERR_DOCKER_CONFIG_MALFORMED'],
  ['config.json a symlink', (fs) => (fs.writeFileSync('/root/real.json', plaintext), fs.symlinkSync('/root/real.json', CONFIG)), 'ERR_UNSAFE_PATH'],
  ['config.json a directory', (fs) => fs.mkdirSync(CONFIG), 'ERR_FILE_IS_DIRECTORY'],
  ['~/.docker a symlink', (fs) => (fs.rmSync('/root/.docker', { recursive: true }), fs.mkdirSync('/srv/docker', { recursive: true }), fs.writeFileSync('/srv/docker/config.json', plaintext), fs.symlinkSync('/srv/docker', '/root/.docker')), 'ERR_UNSAFE_PATH'],
  ['a config directory of another user', (fs) => (fs.writeFileSync(CONFIG, plaintext), fs.chownSync('/root/.docker', uid + 1, uid + 1)), 'ERR_DOCKER_CONFIG_OTHER_USER'],
];

const bytesOf = (fs: ReturnType<typeof memfs>['fs'], path: string) => (fs.existsSync(path) && fs.statSync(path).isFile() ? fs.readFileSync(path).toString('base64') : undefined);

describe.each([
  ['login', (ports: ReturnType<typeof setup>['ports']) => loginRegistry(ports, { registry: 'nexus.example.com', username: 'ci', password: 'right-password', dockerConfigDir: '/root/.docker', root: '/', self })],
  ['creds migrate', (ports: ReturnType<typeof setup>['ports']) => migrateCredentials(ports, { dockerConfigDir: '/root/.docker' })],
])('%s stores nothing when it refuses', (_, run) => {
  it.each(refusals)('%s', async (_name, prepare, code) => {
    const { fs, ports } = setup(prepare);
    const before = bytesOf(fs, CONFIG);
    await expect(run(ports)).rejects.toMatchObject({ code, exitCode: 4 });
    expect(fs.existsSync(STORE)).toBe(false);
    expect(fs.existsSync(KEYS)).toBe(false);
    expect(fs.existsSync(WRAPPER_PATH)).toBe(false);
    expect(bytesOf(fs, CONFIG)).toBe(before);
  });
});

/** A Files whose write of the Docker config fails, as on a full disk. */
const failingConfigWrite = (files: Files): Files => ({
  ...files,
  writeAtomic: async (path, data, options) => {
    if (path === CONFIG) throw fileError(Object.assign(new Error('no space'), { code: 'ENOSPC' }), 'write', path);
    return files.writeAtomic(path, data, options);
  },
});

describe('a failure after the store puts the store back', () => {
  it('login: the new credential is erased again (exit 5), config.json unchanged', async () => {
    const { fs, ports } = setup((f) => f.writeFileSync(CONFIG, plaintext));
    const error = await loginRegistry({ ...ports, files: failingConfigWrite(ports.files) }, { registry: 'nexus.example.com', username: 'ci', password: 'right-password', dockerConfigDir: '/root/.docker', root: '/', self }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_DISK_FULL', exitCode: 5, message: expect.stringMatching(/put back as it was/) });
    expect(await ports.store.list()).toEqual({});
    expect(fs.readFileSync(CONFIG, 'utf8')).toBe(plaintext);
  });

  it('login: a credential that was there before comes back', async () => {
    const { ports } = setup((f) => f.writeFileSync(CONFIG, plaintext));
    await ports.store.store({ ServerURL: 'nexus.example.com', Username: 'old-user', Secret: 'old-secret' });
    await expect(loginRegistry({ ...ports, files: failingConfigWrite(ports.files) }, { registry: 'nexus.example.com', username: 'ci', password: 'right-password', dockerConfigDir: '/root/.docker', root: '/', self })).rejects.toMatchObject({ exitCode: 5 });
    expect(await ports.store.get('nexus.example.com')).toEqual({ Username: 'old-user', Secret: 'old-secret' });
  });

  it('creds migrate: what it stored is erased again (exit 5), config.json unchanged', async () => {
    const { fs, ports } = setup((f) => f.writeFileSync(CONFIG, plaintext));
    await expect(migrateCredentials({ ...ports, files: failingConfigWrite(ports.files) }, { dockerConfigDir: '/root/.docker' })).rejects.toMatchObject({ code: 'ERR_MIGRATE_FAILED', exitCode: 5, message: expect.stringMatching(/no space left/) });
    expect(await ports.store.list()).toEqual({});
    expect(fs.readFileSync(CONFIG, 'utf8')).toBe(plaintext);
  });

  it('creds migrate: says "no plaintext" only when the rewrite has none', async () => {
    const { fs, ports } = setup((f) => f.writeFileSync(CONFIG, plaintext));
    const result = await migrateCredentials(ports, { dockerConfigDir: '/root/.docker' });
    expect(result.moved).toEqual(['nexus.example.com']);
    expect(fs.readFileSync(CONFIG, 'utf8')).not.toContain(b64('ci:old-secret'));
    expect(await ports.store.get('nexus.example.com')).toEqual({ Username: 'ci', Secret: 'old-secret' });
  });
});
