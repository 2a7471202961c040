// `regsetup join`, `leave`, `status` on a real dockerd against the lab: merge, pin, reload-first,
// idempotence, refusals that change nothing, rollback, SIGKILL safety. Restores the host afterwards.
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regsetup, regsetupCommand } from './helpers/cli.js';
import {
  backupHostState,
  buildTestImage,
  credentialSandbox,
  type CredentialSandbox,
  daemonRegistryConfig,
  docker,
  dockerdPid,
  installCa,
  labUser,
  loadLab,
  normalizeMirror,
  reloadDockerd,
  removeCertsDir,
  removeImages,
  restoreHostState,
  sleep,
  type HostStateBackup,
  type LabInfo,
} from './helpers/lab.js';

const DAEMON_JSON = '/etc/docker/daemon.json';
const KEEP_IMAGE = 'hub.regsetup.test/library/alpine:latest';
const STATE_DIR = '/var/lib/regsetup';
const labScript = fileURLToPath(new URL('../../scripts/lab.sh', import.meta.url));

const WRAPPER = '/usr/local/bin/docker-credential-regsetup';

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

const readDaemon = () => (existsSync(DAEMON_JSON) ? readFileSync(DAEMON_JSON, 'utf8') : undefined);
const certsFile = (host: string) => `/etc/docker/certs.d/${host}/ca.crt`;

async function containerStart(name: string): Promise<string> {
  return (await docker(['inspect', '--format', '{{.State.Running}} {{.State.StartedAt}} {{.State.Pid}}', name])).stdout.trim();
}

async function daemonEventsBetween(since: number, until: number): Promise<string[]> {
  const r = await docker(['events', '--since', String(since / 1000), '--until', String(until / 1000), '--filter', 'type=daemon', '--format', '{{.Action}}']);
  return r.stdout.split('\n').filter(Boolean);
}

describe('regsetup join / leave / status (lab, real dockerd)', () => {
  let lab: LabInfo;
  let backup: HostStateBackup;
  // Credentials: pass on PATH but not initialised (a stock Debian server); the helper's store and key in a temp dir.
  let sandbox: CredentialSandbox;
  let tmp: string;
  let credEnv: Record<string, string>;
  let hadWrapper: boolean;
  const pin = () => lab.caFingerprint;
  // This suite is about dockerd: the other runtimes of the lab have suites of their own.
  const joinArgs = (extra: string[] = []) => ['join', '--runtime', 'docker', lab.hosts.group, '--ca-url', lab.caUrl, '--ca-fingerprint', pin(), '--yes', '--json', ...extra];
  const asAdmin = { input: () => `${labUser('admin').password}\n` };

  beforeAll(async () => {
    lab = loadLab();
    backup = await backupHostState();
    rmSync(STATE_DIR, { recursive: true, force: true });
    sandbox = await credentialSandbox('regsetup-join-e2e-');
    tmp = sandbox.dir;
    credEnv = sandbox.env;
    hadWrapper = existsSync(WRAPPER);
    // A daemon.json as found in the field: other keys, its own indentation, an existing mirror.
    writeFileSync(DAEMON_JSON, `{\n    "log-level": "info",\n    "registry-mirrors": ["https://${lab.hosts.proxy}/"],\n    "max-concurrent-downloads": 4\n}\n`);
    await reloadDockerd({ expectMirrors: [`https://${lab.hosts.proxy}/`] });
    // A running container that join and leave must not disturb (the image comes from the lab's hub).
    await installCa(lab.hosts.hub);
    await docker(['pull', KEEP_IMAGE], { reject: true });
    await removeCertsDir(lab.hosts.hub);
    await docker(['rm', '-f', 'regsetup-e2e-keep'], { reject: false });
    await docker(['run', '-d', '--name', 'regsetup-e2e-keep', '--network', 'none', KEEP_IMAGE, 'sleep', '3600'], { reject: true });
  });

  afterAll(async () => {
    await docker(['rm', '-f', 'regsetup-e2e-keep'], { reject: false });
    await removeImages(KEEP_IMAGE);
    if (hadWrapper === false) rmSync(WRAPPER, { force: true });
    rmSync(STATE_DIR, { recursive: true, force: true });
    await sandbox?.cleanup();
    if (backup) await restoreHostState(backup);
  });

  it('joins: merges daemon.json, installs the pinned CA, reloads without restarting, and verifies', async () => {
    const keep = await containerStart('regsetup-e2e-keep');
    expect(keep).toMatch(/^true /);
    const pidBefore = await dockerdPid();

    const r = await regsetup([...joinArgs(), '--username', 'admin', '--password-stdin'], { input: asAdmin.input(), env: credEnv });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ ok: true, changed: true, registry: lab.hosts.group, runtimes: [{ runtime: 'docker', activation: 'reload', activated: true }], verify: { ok: true } });
    expect(typeof r.json.clockSkewSeconds).toBe('number');

    const after = JSON.parse(readDaemon()!);
    expect(after['log-level']).toBe('info');
    expect(after['max-concurrent-downloads']).toBe(4);
    expect(after['registry-mirrors']).toEqual([`https://${lab.hosts.proxy}/`, `https://${lab.hosts.group}`]);
    expect(readDaemon()).toMatch(/^\{\n {4}"log-level"/); // the file's own indentation kept

    const ca = readFileSync(certsFile(lab.hosts.group), 'utf8');
    const { X509Certificate, createHash } = await import('node:crypto');
    expect(`sha256:${createHash('sha256').update(new X509Certificate(ca).raw).digest('hex')}`).toBe(pin());

    expect(await dockerdPid()).toBe(pidBefore);
    expect(await containerStart('regsetup-e2e-keep')).toBe(keep);
    const live = await daemonRegistryConfig();
    expect(live.mirrors.map(normalizeMirror)).toContain(normalizeMirror(`https://${lab.hosts.group}`));

    await removeImages('hello-world:latest');
    const pull = await docker(['pull', 'hello-world']);
    expect(pull.exitCode, pull.output).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(labUser('admin').password);

    // The docker CLI now pushes and pulls through docker-credential-regsetup, and no file holds the password.
    expect(JSON.parse(readFileSync(join(tmp, 'docker', 'config.json'), 'utf8')).credHelpers).toEqual({ [lab.hosts.group]: 'regsetup' });
    const ref = `${lab.hosts.group}/e2e/join:${Date.now()}`;
    await buildTestImage(ref);
    expect((await docker(['push', ref], { env: credEnv, reject: false })).exitCode).toBe(0);
    await removeImages(ref);
    expect((await docker(['pull', ref], { env: credEnv, reject: false })).exitCode).toBe(0);
    await removeImages(ref);
    const list = await execa('docker-credential-regsetup', ['list'], { env: credEnv, extendEnv: false });
    expect(Object.keys(JSON.parse(list.stdout))).toContain(lab.hosts.group);
    const pw = labUser('admin').password;
    const needles = [pw, Buffer.from(pw).toString('base64'), Buffer.from(`admin:${pw}`).toString('base64')];
    for (const dir of [join(tmp, 'docker'), join(tmp, 'store'), join(tmp, 'key'), '/etc/docker', STATE_DIR]) {
      for (const file of filesUnder(dir)) {
        const text = readFileSync(file, 'latin1');
        for (const needle of needles) expect(text.includes(needle), `${file} holds the password`).toBe(false);
      }
    }
  });

  it('a second identical join writes nothing and does not signal dockerd', async () => {
    const before = readDaemon();
    const mtime = (await import('node:fs')).statSync(DAEMON_JSON).mtimeMs;
    const since = Date.now();
    const r = await regsetup([...joinArgs(), '--no-verify']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ changed: false, runtimes: [{ runtime: 'docker', activation: 'none', activated: false }] });
    expect(r.json.changes.every((c: { change: string }) => c.change === 'unchanged')).toBe(true);
    expect(r.stderr).toContain('already up to date');
    expect(readDaemon()).toBe(before);
    expect((await import('node:fs')).statSync(DAEMON_JSON).mtimeMs).toBe(mtime);
    await sleep(1100);
    expect(await daemonEventsBetween(since - 1000, Date.now())).not.toContain('reload');
  });

  it('a second join with the same credentials reports changed: false and does not seal the store again', async () => {
    const store = join(tmp, 'store', 'credentials.json');
    const config = join(tmp, 'docker', 'config.json');
    const [sealed, names] = [readFileSync(store, 'utf8'), readFileSync(config, 'utf8')];
    const r = await regsetup([...joinArgs(), '--no-verify', '--username', 'admin', '--password-stdin'], { input: asAdmin.input(), env: credEnv });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ schemaVersion: 1, command: 'join', changed: false, runtimes: [{ runtime: 'docker', activated: false }] });
    expect(r.stderr).toContain(`credentials of admin for ${lab.hosts.group} already in the `);
    expect(readFileSync(store, 'utf8')).toBe(sealed); // a new seal would have a new nonce
    expect(readFileSync(config, 'utf8')).toBe(names);
  });

  it('status lists the registry as joined, and shows drift after a hand edit', async () => {
    const ok = await regsetup(['status', '--json']);
    expect(ok.exitCode).toBe(0);
    expect(ok.json.registries.map((r: { registry: string }) => r.registry)).toEqual([lab.hosts.group]);
    const ca = certsFile(lab.hosts.group);
    const saved = readFileSync(ca, 'utf8');
    writeFileSync(ca, saved.replace('-----END CERTIFICATE-----', '-----END CERTIFICATE-----\n'));
    const drifted = await regsetup(['status', '--json']);
    writeFileSync(ca, saved);
    expect(drifted.exitCode).toBe(3);
    expect(drifted.json.registries[0].runtimes[0].drift).toEqual([{ what: `${ca} is changed`, path: ca }]);
  });

  it.each([
    ['a wrong pin', () => ['join', lab.hosts.group, '--ca-url', lab.caUrl, '--ca-fingerprint', `sha256:${'ab'.repeat(32)}`, '--yes', '--json'], 4, 'ERR_CA_PIN_MISMATCH'],
    ['a registry whose clock is hours off', () => ['join', lab.hosts.skew, '--ca-url', lab.caUrl, '--ca-fingerprint', pin(), '--yes', '--json'], 4, 'ERR_CLOCK_SKEW'],
    ['an unpinned CA without a TTY', () => ['join', lab.hosts.hosted, '--ca-url', lab.caUrl, '--yes', '--json'], 4, 'ERR_CA_UNPINNED'],
    ['a path-traversal name', () => ['join', '../../etc', '--yes', '--json'], 2, 'ERR_BAD_REGISTRY'],
    ['a registry name with a scheme', () => ['join', 'https://group.regsetup.test', '--yes', '--json'], 2, 'ERR_BAD_REGISTRY'],
  ])('refuses %s and changes nothing', async (_what, args, code, errorCode) => {
    const before = readDaemon();
    const r = await regsetup(args());
    expect(r.exitCode, r.stderr).toBe(code);
    expect(r.json.error.code).toBe(errorCode);
    expect(r.stderr).not.toMatch(/\n\s+at /); // a sentence, never a stack trace
    expect(readDaemon()).toBe(before);
    expect(existsSync(certsFile(lab.hosts.skew))).toBe(false);
    expect(existsSync(certsFile(lab.hosts.hosted))).toBe(false);
  });

  it('refuses wrong credentials before changing anything (exit 2), without echoing them', async () => {
    const before = readDaemon();
    const r = await regsetup(['join', '--runtime', 'docker', lab.hosts.hosted, '--ca-url', lab.caUrl, '--ca-fingerprint', pin(), '--username', 'admin', '--password-stdin', '--yes', '--json'], {
      input: 'not-the-password\n',
      env: credEnv,
    });
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.json.error.code).toBe('ERR_AUTH_REJECTED');
    expect(r.stdout + r.stderr).not.toContain('not-the-password');
    expect(readDaemon()).toBe(before);
    expect(existsSync(certsFile(lab.hosts.hosted))).toBe(false);
  });

  it('refuses a malformed daemon.json, naming the line, and leaves it untouched', async () => {
    const good = readDaemon()!;
    const bad = '{\n  "log-level": "info",\n}\n';
    writeFileSync(DAEMON_JSON, bad);
    try {
      const r = await regsetup(joinArgs());
      expect(r.exitCode).toBe(4);
      expect(r.json.error.code).toBe('ERR_DAEMON_JSON_MALFORMED');
      expect(r.json.error.message).toMatch(/line 3/);
      expect(readDaemon()).toBe(bad);
    } finally {
      writeFileSync(DAEMON_JSON, good);
    }
  });

  it('rolls back when dockerd refuses the reload: exit 5, daemon.json restored, daemon healthy', async () => {
    const good = readDaemon()!;
    // A key dockerd does not know: written by hand, not yet loaded; the next reload fails.
    const poisoned = `${JSON.stringify({ ...JSON.parse(good), 'no-such-option': true }, null, 2)}\n`;
    writeFileSync(DAEMON_JSON, poisoned);
    try {
      const r = await regsetup(['join', '--runtime', 'docker', lab.hosts.hosted, '--ca-url', lab.caUrl, '--ca-fingerprint', pin(), '--mirror', `https://${lab.hosts.hosted}`, '--no-verify', '--yes', '--json']);
      expect(r.exitCode, r.stderr).toBe(5);
      expect(r.json.error.code).toBe('ERR_APPLY_ROLLED_BACK');
      expect(readDaemon()).toBe(poisoned);
      expect(existsSync(certsFile(lab.hosts.hosted))).toBe(false);
      expect((await docker(['info', '--format', '{{.ServerVersion}}'])).exitCode).toBe(0);
    } finally {
      writeFileSync(DAEMON_JSON, good);
    }
  });

  it('never leaves a half-written daemon.json when killed at any point', async () => {
    const args = (op: 'join' | 'leave') =>
      op === 'join'
        ? ['join', lab.hosts.basic, '--ca-file', lab.caFile, '--ca-fingerprint', pin(), '--mirror', `https://${lab.hosts.basic}`, '--no-verify', '--yes']
        : ['leave', lab.hosts.basic, '--yes'];
    const states = new Set<string>();
    for (let i = 0; i < 16; i++) {
      const [file, ...pre] = regsetupCommand();
      const child = spawn(file!, [...pre, ...args(i % 2 === 0 ? 'join' : 'leave')], { stdio: 'ignore' });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await sleep(150 + Math.floor(Math.random() * 700));
      child.kill('SIGKILL');
      await exited;
      const text = readDaemon()!;
      expect(() => JSON.parse(text), `iteration ${i}: ${text}`).not.toThrow();
      states.add(JSON.stringify(JSON.parse(text)['registry-mirrors']));
    }
    // After the storm a plain join still converges (a stale lock of a killed run does not block it).
    const r = await regsetup([...args('join'), '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(readDaemon()!)['registry-mirrors']).toContain(`https://${lab.hosts.basic}`);
    const l = await regsetup(['leave', lab.hosts.basic, '--yes', '--json']);
    expect(l.exitCode, l.stderr).toBe(0);
  });

  it('leave restores the prior daemon.json semantically and removes only what join installed', async () => {
    const keep = await containerStart('regsetup-e2e-keep');
    const r = await regsetup(['leave', lab.hosts.group, '--yes', '--json'], { env: credEnv });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(tmp, 'docker', 'config.json'), 'utf8')).credHelpers ?? {}).toEqual({});
    const list = await execa('/usr/local/bin/docker-credential-regsetup', ['list'], { env: credEnv, extendEnv: false, reject: false });
    if (list.exitCode === 0) expect(JSON.parse(list.stdout)).toEqual({});
    if (!hadWrapper) expect(existsSync(WRAPPER)).toBe(false);
    expect(JSON.parse(readDaemon()!)).toEqual({ 'log-level': 'info', 'registry-mirrors': [`https://${lab.hosts.proxy}/`], 'max-concurrent-downloads': 4 });
    expect(existsSync(certsFile(lab.hosts.group))).toBe(false);
    expect(await containerStart('regsetup-e2e-keep')).toBe(keep);
    expect((await daemonRegistryConfig()).mirrors.map(normalizeMirror)).toEqual([normalizeMirror(`https://${lab.hosts.proxy}`)]);
    const status = await regsetup(['status', '--json']);
    expect(status.json.registries).toEqual([]);
  });

  it('on a host without daemon.json, leave removes the one join created (after dockerd saw it emptied)', async () => {
    const saved = readDaemon()!;
    rmSync(DAEMON_JSON);
    try {
      const j = await regsetup(['join', '--runtime', 'docker', lab.hosts.plain, '--insecure', '--mirror', 'none', '--no-verify', '--yes', '--json']);
      expect(j.exitCode, j.stderr).toBe(0);
      expect(JSON.parse(readDaemon()!)).toEqual({ 'insecure-registries': [lab.hosts.plain] });
      expect((await daemonRegistryConfig()).insecureHosts).toContain(lab.hosts.plain);
      const l = await regsetup(['leave', lab.hosts.plain, '--yes', '--json']);
      expect(l.exitCode, l.stderr).toBe(0);
      expect(existsSync(DAEMON_JSON)).toBe(false);
      expect((await daemonRegistryConfig()).insecureHosts).not.toContain(lab.hosts.plain);
    } finally {
      writeFileSync(DAEMON_JSON, saved);
    }
  });

  describe('with dockerd started with --insecure-registry', () => {
    beforeAll(async () => {
      await execa('bash', [labScript, 'restart-dockerd', '--insecure-registry', lab.hosts.plain]);
    });
    afterAll(async () => {
      await execa('bash', [labScript, 'restart-dockerd']);
    });

    it('refuses join --insecure, naming the flag and where it is set', async () => {
      const before = readDaemon();
      const r = await regsetup(['join', '--runtime', 'docker', lab.hosts.plain, '--insecure', '--mirror', 'none', '--yes', '--json']);
      expect(r.exitCode, r.stderr).toBe(4);
      expect(r.json.error.code).toBe('ERR_FLAG_CONFLICT');
      expect(r.json.error.message).toContain('--insecure-registry');
      expect(r.json.error.message).toMatch(/argv|pid/);
      expect(readDaemon()).toBe(before);
    });
  });
});
