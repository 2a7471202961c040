import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import type { CredentialBackend } from '../../src/credentials/backend.js';
import { serveHelper } from '../../src/credentials/protocol.js';
import { credentialStore } from '../../src/credentials/store.js';
import { nodeFiles } from '../../src/host/files.js';
import type { Processes } from '../../src/host/processes.js';
import { memoryBackend } from '../fakes/memory-credential-backend.js';

// One suite, several backends: whatever stores the secrets, docker sees the same protocol.

const noProcesses: Pick<Processes, 'run'> = {
  run: async (cmd) => ({ exitCode: 127, stdout: '', stderr: `${cmd}: command not found`, timedOut: false }),
};

function fileStore(): CredentialBackend {
  const { fs } = memfs({ '/var/lib/.keep': '', '/etc/.keep': '' });
  const env = { PATH: '/usr/bin', HOME: '/root', REGSETUP_CREDENTIALS_DIR: '/var/lib/regsetup/credentials', REGSETUP_CREDENTIALS_KEY_DIR: '/etc/regsetup/private' };
  return credentialStore({ files: nodeFiles(fs), processes: noProcesses, env, uid: process.getuid?.() ?? 0 });
}

const backends: Array<[string, () => CredentialBackend]> = [
  ['in-memory backend', () => memoryBackend()],
  ['file backend (regsetup store on memfs)', fileStore],
];

describe.each(backends)('credential-helper protocol: %s', (_name, make) => {
  const helper = (backend: CredentialBackend) => (action: string | undefined, input = '') => serveHelper(action, input, backend, '1.2.3');
  const cred = (ServerURL: string, Username: string, Secret: string) => JSON.stringify({ ServerURL, Username, Secret });

  it('store then get returns ServerURL, Username and Secret', async () => {
    const run = helper(make());
    expect(await run('store', cred('nexus.example.com', 'ci', 'pa55:word'))).toEqual({ stdout: '', exitCode: 0 });
    expect(await run('get', 'nexus.example.com\n')).toEqual({
      stdout: '{"ServerURL":"nexus.example.com","Username":"ci","Secret":"pa55:word"}\n',
      exitCode: 0,
    });
  });

  it('answers a missing entry with exactly the not-found text on stdout, exit 1', async () => {
    const run = helper(make());
    expect(await run('get', 'nowhere.example.com')).toEqual({ stdout: 'credentials not found in native keychain\n', exitCode: 1 });
  });

  it('a second store replaces the first', async () => {
    const run = helper(make());
    await run('store', cred('r.example:5000', 'a', 'one'));
    await run('store', cred('r.example:5000', 'b', 'two'));
    expect(JSON.parse((await run('get', 'r.example:5000')).stdout)).toEqual({ ServerURL: 'r.example:5000', Username: 'b', Secret: 'two' });
    expect(JSON.parse((await run('list')).stdout)).toEqual({ 'r.example:5000': 'b' });
  });

  it('keeps identity tokens under the <token> user name', async () => {
    const run = helper(make());
    await run('store', cred('https://index.docker.io/v1/', '<token>', 'eyJhbGciOi.refresh'));
    expect(JSON.parse((await run('get', 'https://index.docker.io/v1/')).stdout)).toEqual({
      ServerURL: 'https://index.docker.io/v1/',
      Username: '<token>',
      Secret: 'eyJhbGciOi.refresh',
    });
  });

  it('lists every entry as url → user name, and {} when empty', async () => {
    const run = helper(make());
    expect(await run('list')).toEqual({ stdout: '{}\n', exitCode: 0 });
    await run('store', cred('a.example', 'alice', 'x1x'));
    await run('store', cred('b.example:8443', 'bob', 'y2y'));
    expect(JSON.parse((await run('list')).stdout)).toEqual({ 'a.example': 'alice', 'b.example:8443': 'bob' });
  });

  it('erase removes the entry; erasing it again says not found', async () => {
    const run = helper(make());
    await run('store', cred('a.example', 'alice', 'x1x'));
    expect(await run('erase', 'a.example\n')).toEqual({ stdout: '', exitCode: 0 });
    expect((await run('get', 'a.example')).exitCode).toBe(1);
    expect(await run('erase', 'a.example')).toEqual({ stdout: 'credentials not found in native keychain\n', exitCode: 1 });
  });

  it('round-trips secrets with any characters', async () => {
    const run = helper(make());
    const secret = 'päss "quoted" \\ back\nslash\t€ 🙂';
    await run('store', cred('u.example', 'üser', secret));
    expect(JSON.parse((await run('get', 'u.example')).stdout).Secret).toBe(secret);
  });

  it('matches field names case-insensitively, as Go does', async () => {
    const run = helper(make());
    await run('store', '{"serverurl":"c.example","username":"u","secret":"s3s"}');
    expect(JSON.parse((await run('get', 'c.example')).stdout).Secret).toBe('s3s');
  });

  it.each([
    ['store', '{"Username":"u","Secret":"s"}', 'no credentials server URL\n'],
    ['store', '{"ServerURL":"x.example","Secret":"s"}', 'no credentials username\n'],
    ['store', 'not json', 'error reading credentials from stdin: not a JSON object\n'],
    ['get', '  \n', 'no credentials server URL\n'],
    ['erase', '', 'no credentials server URL\n'],
    ['fly', '', 'Unknown credential action `fly`\n'],
    [undefined, '', 'Usage: docker-credential-regsetup <store|get|erase|list|version>\n'],
  ])('%s %j fails on stdout with exit 1', async (action, input, stdout) => {
    expect(await helper(make())(action, input)).toEqual({ stdout, exitCode: 1 });
  });

  it('prints its version', async () => {
    expect(await helper(make())('version')).toEqual({ stdout: 'docker-credential-regsetup (regsetup) 1.2.3\n', exitCode: 0 });
  });
});
