import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { serveHelper } from '../../src/credentials/protocol.js';
import { credentialStore, selectBackend } from '../../src/credentials/store.js';
import { credentialPaths } from '../../src/credentials/paths.js';
import { nodeFiles } from '../../src/host/files.js';
import type { Processes, RunResult } from '../../src/host/processes.js';

const uid = process.getuid?.() ?? 0;
const STORE = '/var/lib/regsetup/credentials';
const DATA = `${STORE}/credentials.json`;
const baseEnv = { PATH: '/usr/bin', HOME: '/root', REGSETUP_CREDENTIALS_DIR: STORE, REGSETUP_CREDENTIALS_KEY_DIR: '/etc/regsetup/private' };

const result = (exitCode: number, stdout = '', stderr = ''): RunResult => ({ exitCode, stdout, stderr, timedOut: false });

/** Fake programs: docker-credential-<name> backed by a map, and a reversible systemd-creds. */
function fakeProcesses(helpers: Record<string, Map<string, string>> = {}): Pick<Processes, 'run'> & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    run: async (cmd, args, options = {}) => {
      const input = String(options.input ?? '');
      calls.push(`${cmd} ${args.join(' ')}`);
      if (cmd === 'systemd-creds') {
        if (args[0] === '--version') return result(0, 'systemd 252');
        if (args[0] === 'encrypt') return result(0, `SDC:${Buffer.from(input).toString('hex')}`);
        if (args[0] === 'decrypt') return result(0, Buffer.from(input.trim().slice(4), 'hex').toString());
      }
      const store = helpers[cmd.replace('docker-credential-', '')];
      if (!store) return result(127, '', `${cmd}: command not found`);
      if (args[0] === 'store') {
        const c = JSON.parse(input) as { ServerURL: string; Username: string; Secret: string };
        store.set(c.ServerURL, JSON.stringify(c));
        return result(0);
      }
      if (args[0] === 'get') return store.has(input) ? result(0, store.get(input)) : result(1, 'credentials not found in native keychain');
      if (args[0] === 'erase') return store.delete(input) ? result(0) : result(1, 'credentials not found in native keychain');
      return result(0, '{}');
    },
  };
}

function setup(tree: Record<string, string> = {}, env: Record<string, string> = {}, helpers: Record<string, Map<string, string>> = {}) {
  const { fs } = memfs({ '/var/lib/.keep': '', '/etc/.keep': '', '/usr/bin/.keep': '', ...tree });
  const processes = fakeProcesses(helpers);
  const ports = { files: nodeFiles(fs), processes, env: { ...baseEnv, ...env }, uid };
  return { fs, processes, ports, store: credentialStore(ports) };
}

const cred = { ServerURL: 'nexus.example.com', Username: 'ci', Secret: 'hunter2-very-secret' };

describe('regsetup file store', () => {
  it('keeps data 0600 in a 0700 directory, the key elsewhere, and no secret in the clear', async () => {
    const { fs, store } = setup({}, { REGSETUP_CREDENTIALS_KEY_PROTECTION: 'file' });
    await store.store(cred);
    const data = fs.readFileSync(DATA, 'utf8') as string;
    expect(data).not.toContain(cred.Secret);
    expect(data).not.toContain(Buffer.from(cred.Secret).toString('base64'));
    expect(fs.statSync(DATA).mode & 0o777).toBe(0o600);
    expect(fs.statSync(STORE).mode & 0o777).toBe(0o700);
    expect(fs.statSync('/etc/regsetup/private').mode & 0o777).toBe(0o700);
    expect(fs.statSync('/etc/regsetup/private/credential.key').mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(`${STORE}/config.json`, 'utf8') as string)).toEqual({
      version: 1,
      backend: 'file',
      key: { kind: 'file', path: '/etc/regsetup/private/credential.key' },
    });
    expect(await store.get('nexus.example.com')).toEqual({ Username: 'ci', Secret: cred.Secret });
  });

  it('storing the same credentials again leaves the file as it is; a new secret or user rewrites it', async () => {
    const { fs, store } = setup({}, { REGSETUP_CREDENTIALS_KEY_PROTECTION: 'file' });
    await store.store(cred);
    const first = fs.readFileSync(DATA, 'utf8');
    await store.store({ ...cred });
    expect(fs.readFileSync(DATA, 'utf8')).toBe(first);
    for (const change of [{ Secret: 'rotated-secret' }, { Username: 'deploy' }]) {
      const before = fs.readFileSync(DATA, 'utf8');
      await store.store({ ...cred, ...change });
      expect(fs.readFileSync(DATA, 'utf8')).not.toBe(before);
      expect(await store.get(cred.ServerURL)).toEqual({ Username: change.Username ?? cred.Username, Secret: change.Secret ?? cred.Secret });
    }
  });

  it('without the key the secrets cannot be read, and no new key is made over them', async () => {
    const { fs, store } = setup({}, { REGSETUP_CREDENTIALS_KEY_PROTECTION: 'file' });
    await store.store(cred);
    fs.rmSync('/etc/regsetup/private/credential.key');
    await expect(store.get('nexus.example.com')).rejects.toMatchObject({ code: 'ERR_CREDENTIAL_KEY' });
    await expect(store.store(cred)).rejects.toMatchObject({ code: 'ERR_CREDENTIAL_KEY' });
    expect(fs.existsSync('/etc/regsetup/private/credential.key')).toBe(false);
  });

  it('keeps the key sealed with systemd-creds when root has it', async () => {
    const { fs, store, processes } = setup();
    await store.store(cred);
    expect(JSON.parse(fs.readFileSync(`${STORE}/config.json`, 'utf8') as string).key).toEqual({ kind: 'systemd-creds', path: '/etc/regsetup/private/credential.key.cred' });
    expect(fs.readFileSync('/etc/regsetup/private/credential.key.cred', 'utf8')).toMatch(/^SDC:/);
    expect(await store.get('nexus.example.com')).toEqual({ Username: 'ci', Secret: cred.Secret });
    expect(processes.calls).toContain('systemd-creds decrypt --name=regsetup-credential-key - -');
  });

  const tampered: Array<[string, (fs: ReturnType<typeof memfs>['fs']) => void, string]> = [
    ['corrupted', (fs) => fs.writeFileSync(DATA, '{"version":1,"entries":{"x":'), 'ERR_CREDENTIAL_STORE_CORRUPT'],
    ['not a store file', (fs) => fs.writeFileSync(DATA, '{"version":7}'), 'ERR_CREDENTIAL_STORE_CORRUPT'],
    ['foreign-owned', (fs) => fs.chownSync(DATA, uid + 1000, 0), 'ERR_CREDENTIAL_STORE_FOREIGN'],
    ['group/world-readable', (fs) => fs.chmodSync(DATA, 0o644), 'ERR_CREDENTIAL_STORE_TOO_OPEN'],
    ['in a world-readable directory', (fs) => fs.chmodSync(STORE, 0o755), 'ERR_CREDENTIAL_STORE_TOO_OPEN'],
    ['with a foreign-owned config', (fs) => fs.chownSync(`${STORE}/config.json`, uid + 1000, 0), 'ERR_CREDENTIAL_STORE_FOREIGN'],
  ];
  it.each(tampered)('a %s store is refused with a clear error and left untouched', async (_name, tamper, code) => {
    const { fs, store } = setup({}, { REGSETUP_CREDENTIALS_KEY_PROTECTION: 'file' });
    await store.store(cred);
    const original = fs.readFileSync(DATA, 'utf8');
    tamper(fs);
    // memfs enforces permissions: a file chowned away cannot be read back until it is ours again.
    const before = { data: code === 'ERR_CREDENTIAL_STORE_FOREIGN' ? original : fs.readFileSync(DATA, 'utf8'), stat: fs.statSync(DATA) };
    for (const op of [() => store.store({ ...cred, Secret: 'new-secret' }), () => store.get(cred.ServerURL), () => store.erase(cred.ServerURL)]) {
      await expect(op()).rejects.toMatchObject({ code, exitCode: 4 });
    }
    expect(fs.statSync(DATA).mtimeMs).toBe(before.stat.mtimeMs);
    expect(fs.statSync(DATA).uid).toBe(before.stat.uid);
    const answer = await serveHelper('get', cred.ServerURL, store, '0');
    expect(answer.exitCode).toBe(1);
    expect(answer.stdout).toMatch(/refusing to use/);
    fs.chownSync(DATA, uid, 0);
    expect(fs.readFileSync(DATA, 'utf8')).toBe(before.data);
  });
});

describe('backend selection', () => {
  it('skips pass that was never initialised and uses the file store', async () => {
    const pass = new Map<string, string>();
    const { ports } = setup({ '/usr/bin/pass': '#!', '/usr/bin/docker-credential-pass': '#!' }, { REGSETUP_CREDENTIALS_KEY_PROTECTION: 'file' }, { pass });
    ports.files.stat = wrapExec(ports.files.stat);
    const { config, tried } = await selectBackend(ports, credentialPaths(ports.env, uid));
    expect(config.backend).toBe('file');
    expect(tried).toEqual([{ name: 'pass', ok: false, detail: expect.stringContaining('not initialised') }]);
  });

  it('uses pass once it is initialised and answers a round trip, and keeps using what it chose', async () => {
    const pass = new Map<string, string>();
    const { ports, store } = setup(
      { '/usr/bin/pass': '#!', '/usr/bin/docker-credential-pass': '#!', '/root/.password-store/.gpg-id': 'KEY' },
      {},
      { pass },
    );
    ports.files.stat = wrapExec(ports.files.stat);
    await store.store(cred);
    expect(await store.config()).toEqual({ version: 1, backend: 'helper', helper: 'pass' });
    expect([...pass.keys()]).toEqual(['nexus.example.com']); // the health-check probe was erased
    expect(await store.get('nexus.example.com')).toEqual({ Username: 'ci', Secret: cred.Secret });
  });

  it('skips a helper that is found but fails its round trip', async () => {
    const { ports } = setup({ '/usr/bin/docker-credential-broken': '#!' }, { REGSETUP_CREDENTIALS_KEY_PROTECTION: 'file' });
    ports.files.stat = wrapExec(ports.files.stat);
    const { config, tried } = await selectBackend(ports, credentialPaths(ports.env, uid));
    expect(config.backend).toBe('file');
    expect(tried[0]).toMatchObject({ name: 'broken', ok: false });
  });
});

// memfs files have no exec bit unless chmod'ed: treat everything under /usr/bin as executable.
function wrapExec<T extends (path: string) => Promise<{ mode: number } | undefined>>(stat: T): T {
  return (async (path: string) => {
    const s = await stat(path);
    return s && path.startsWith('/usr/bin/') ? { ...s, mode: s.mode | 0o755 } : s;
  }) as T;
}
