import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { isRegsetupError } from '../../src/core/errors.js';
import { removeHelperWrapperIfUnused, WRAPPER_PATH, WRAPPER_RECORD } from '../../src/credentials/helper-wrapper.js';
import { withConfigLock } from '../../src/credentials/docker-config-file.js';
import { loginRegistry, logoutRegistry } from '../../src/credentials/login.js';
import { migrateCredentials } from '../../src/credentials/migrate.js';
import { nodeFiles, type FsModule } from '../../src/host/files.js';
import { processFiles } from '../fakes/process-files.js';
import { fakeDockerApi } from '../fakes/fake-docker-api.js';
import { memoryBackend } from '../fakes/memory-credential-backend.js';

// Several regsetup processes editing one Docker config at once (joins with credentials, a leave,
// creds migrate): each simulated process has its own files port (lock scope and pid), the store
// yields between its steps, so the runs interleave and meet only at config.json's lock.

const CONFIG = '/root/.docker/config.json';
const ORIGINAL = '{\n\t"auths": {\n\t\t"quay.io": {}\n\t},\n\t"credsStore": "desktop"\n}';
const REGISTRIES = ['a.example.com', 'b.example.com', 'c.example.com:5000', 'd.example.com', 'e.example.com', 'f.example.com'];
const uid = process.getuid?.() ?? 0;
const self = { node: '/opt/node/bin/node', script: '/opt/regsetup/bin/docker-credential-regsetup' };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const tick = () => new Promise((r) => setTimeout(r, 1));

function node(config = ORIGINAL) {
  const { fs } = memfs({ '/usr/local/.keep': '', '/var/lib/.keep': '', [CONFIG]: config });
  const memory = memoryBackend();
  // A store that takes its time, as a helper process does.
  const store = { ...memory, store: async (c: Parameters<typeof memory.store>[0]) => (await tick(), memory.store(c)), get: async (url: string) => (await tick(), memory.get(url)), erase: async (url: string) => (await tick(), memory.erase(url)) };
  const docker = fakeDockerApi({ logins: Object.fromEntries(REGISTRIES.map((r) => [r, { username: 'ci', password: `pw-${r}` }])) });
  const process = (pid: number, meddle?: (path: string) => void) => {
    // Every file of the Docker config takes a moment to open, as on a disk: reads and writes of the runs overlap.
    const files = processFiles(fs, pid, async (path) => {
      if (path.startsWith('/root/.docker/')) await tick();
      meddle?.(path);
    });
    return { files, docker, store, env: { PATH: '/usr/local/bin:/usr/bin' }, uid };
  };
  return { fs, memory, process, config: () => JSON.parse(String(fs.readFileSync(CONFIG, 'utf8'))) as Record<string, Record<string, unknown>> };
}

const login = (ports: ReturnType<ReturnType<typeof node>['process']>, registry: string) =>
  loginRegistry(ports, { registry, username: 'ci', password: `pw-${registry}`, dockerConfigDir: '/root/.docker', root: '/', self });

const settled = (results: PromiseSettledResult<unknown>[]) => results.map((r) => (r.status === 'fulfilled' ? 'ok' : String((r.reason as Error).message)));

describe('concurrent credential runs on one Docker config', { timeout: 60_000 }, () => {
  it('6 logins at once all land: every credHelpers entry, every secret, one wrapper; 6 logouts at once give config.json back byte for byte', async () => {
    const n = node();
    const logins = await Promise.allSettled(REGISTRIES.map((r, i) => login(n.process(100 + i), r)));
    expect(settled(logins)).toEqual(REGISTRIES.map(() => 'ok'));
    expect(n.config().credHelpers).toEqual(Object.fromEntries(REGISTRIES.map((r) => [r, 'regsetup'])));
    expect([...n.memory.entries.keys()].sort()).toEqual([...REGISTRIES].sort());
    expect(JSON.parse(String(n.fs.readFileSync(WRAPPER_RECORD, 'utf8'))).dockerConfigDirs).toEqual(['/root/.docker']);
    expect(n.fs.existsSync(`${CONFIG}.lock`)).toBe(false);

    const logouts = await Promise.allSettled(
      REGISTRIES.map(async (r, i) => {
        const ports = n.process(200 + i);
        await withConfigLock(ports.files, '/root/.docker', async () => {
          await logoutRegistry(ports, { registry: r, dockerConfigDir: '/root/.docker' });
          await removeHelperWrapperIfUnused(ports.files);
        });
      }),
    );
    expect(settled(logouts)).toEqual(REGISTRIES.map(() => 'ok'));
    expect(String(n.fs.readFileSync(CONFIG, 'utf8'))).toBe(ORIGINAL);
    expect(n.memory.entries.size).toBe(0);
    expect(n.fs.existsSync(WRAPPER_PATH)).toBe(false);
  });

  it('creds migrate at the same time as logins: migrate builds on them, every plaintext goes, every login stays', async () => {
    const plaintext = { 'old1.example.com': 'ci:one', 'old2.example.com': 'ci:two' };
    const n = node(JSON.stringify({ auths: Object.fromEntries(Object.entries(plaintext).map(([h, up]) => [h, { auth: b64(up) }])) }, null, '\t'));
    const runs = await Promise.allSettled([
      migrateCredentials({ ...n.process(300), uid }, { dockerConfigDir: '/root/.docker' }),
      ...REGISTRIES.slice(0, 3).map((r, i) => login(n.process(310 + i), r)),
    ]);
    expect(settled(runs)).toEqual(['ok', 'ok', 'ok', 'ok']);
    const config = n.config();
    expect(config.auths).toEqual({});
    expect(config.credHelpers).toEqual(Object.fromEntries([...Object.keys(plaintext), ...REGISTRIES.slice(0, 3)].map((r) => [r, 'regsetup'])));
    expect(n.memory.entries.get('old2.example.com')).toMatchObject({ Username: 'ci', Secret: 'two' });
  });

  it('creds migrate against a config something else keeps rewriting: refused after a few re-plans (exit 4), the store put back', async () => {
    const n = node(JSON.stringify({ auths: { 'old1.example.com': { auth: b64('ci:one') } } }));
    let writes = 0;
    const ports = n.process(400, (path) => {
      // Another program rewrites config.json whenever regsetup looks at it under the lock.
      if (path !== CONFIG || !n.fs.existsSync(`${CONFIG}.lock`)) return;
      n.fs.writeFileSync(CONFIG, JSON.stringify({ auths: { 'old1.example.com': { auth: b64('ci:one') } }, n: ++writes }));
    });
    const error = await migrateCredentials({ ...ports, uid }, { dockerConfigDir: '/root/.docker' }).then(() => undefined, (e: unknown) => e);
    expect(isRegsetupError(error) && [error.code, error.exitCode]).toEqual(['ERR_PLAN_STALE', 4]);
    expect(writes).toBeLessThan(20);
    expect(n.memory.entries.size).toBe(0);
    expect(n.config().auths).toEqual({ 'old1.example.com': { auth: b64('ci:one') } });
  });

  it('a login into a Docker config directory that does not exist yet (nor its parent) leaves neither behind when it fails', async () => {
    const { fs } = memfs({ '/usr/local/.keep': '', '/var/lib/.keep': '', '/home/.keep': '' });
    const failing = { ...memoryBackend(), store: async () => Promise.reject(new Error('the helper crashed')) };
    const ports = { files: nodeFiles(fs as unknown as FsModule), docker: fakeDockerApi({ logins: { 'a.example.com': { username: 'ci', password: 'pw' } } }), store: failing, env: {}, uid };
    await expect(loginRegistry(ports, { registry: 'a.example.com', username: 'ci', password: 'pw', dockerConfigDir: '/home/ci/.docker', root: '/', self })).rejects.toMatchObject({ exitCode: 5 });
    expect(fs.existsSync('/home/ci')).toBe(false);
  });
});
