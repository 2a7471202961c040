// `regsetup agent` on the lab's real dockerd: join at start, drift repaired (mirror, CA), unrelated
// keys kept, a malformed daemon.json left alone (healthz 503 → 200), CA rotation on the rotate host,
// signals (SIGHUP with a bad file, SIGTERM and SIGKILL during an apply), a join while it runs,
// /healthz and /metrics on the socket, no secret anywhere. Restores the host afterwards.
import { execa, type ResultPromise } from 'execa';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync, mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regsetup } from './helpers/cli.js';
import { until } from './helpers/until.js';
import {
  backupHostState,
  credentialSandbox,
  type CredentialSandbox,
  daemonRegistryConfig,
  docker,
  labUser,
  loadLab,
  normalizeMirror,
  reloadDockerd,
  removeImages,
  restoreHostState,
  sleep,
  type HostStateBackup,
  type LabInfo,
} from './helpers/lab.js';

const DAEMON_JSON = '/etc/docker/daemon.json';
const STATE_DIR = '/var/lib/regsetup';
const bin = fileURLToPath(new URL('../../bin/regsetup', import.meta.url));
const labScript = fileURLToPath(new URL('../../scripts/lab.sh', import.meta.url));
const REPAIR_BUDGET_MS = 2_000;
// The agent's login (credentials.passwordFile) puts the helper wrapper on PATH, as join does.
const WRAPPER = '/usr/local/bin/docker-credential-regsetup';

type Lab = LabInfo & { rotate?: { host: string; caUrl: string; phase: string }; ca2Fingerprint?: string | null; ca2File?: string | null };

function get(socketPath: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const readDaemon = () => (existsSync(DAEMON_JSON) ? readFileSync(DAEMON_JSON, 'utf8') : '');
const mirrorsIn = (text: string) => ((JSON.parse(text) as Record<string, unknown>)['registry-mirrors'] as string[] | undefined) ?? [];

describe('regsetup agent (lab, real dockerd)', () => {
  let lab: Lab;
  let backup: HostStateBackup;
  let sandbox: CredentialSandbox;
  let dir: string;
  let stateCopy: string | undefined;
  let agent: ResultPromise | undefined;
  let out = '';
  let hadWrapper = false;
  const socket = () => join(dir, 'agent.sock');
  const config = () => join(dir, 'regsetup.yaml');
  const groupMirror = () => `https://${lab.hosts.group}`;

  const writeConfig = (registries: string, agentSettings = '  interval: 30s\n') => writeFileSync(config(), `version: 1\nagent:\n${agentSettings}registries:\n${registries}`);
  const groupEntry = () =>
    `  - registry: ${lab.hosts.group}\n    mirrors: [${groupMirror()}]\n    runtimes: [docker]\n    ca:\n      url: ${lab.caUrl}\n      fingerprints: [${lab.caFingerprint}]\n    credentials:\n      username: admin\n      passwordFile: ${join(dir, 'admin.pw')}\n`;

  async function start(args: string[] = []): Promise<void> {
    out = '';
    agent = execa(process.execPath, [bin, 'agent', '--config', config(), '--socket', socket(), ...args], { env: sandbox.env, reject: false });
    agent.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    agent.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    await until('the agent socket', async () => (await get(socket(), '/status')).status === 200, 60_000);
  }
  async function stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') {
    if (agent === undefined) return undefined;
    agent.kill(signal);
    const r = await agent;
    agent = undefined;
    return r;
  }
  const healthy = async () => (await get(socket(), '/healthz')).status === 200;

  beforeAll(async () => {
    lab = loadLab() as Lab;
    backup = await backupHostState();
    hadWrapper = existsSync(WRAPPER);
    dir = mkdtempSync(join(tmpdir(), 'regsetup-agent-e2e-'));
    if (existsSync(STATE_DIR)) cpSync(STATE_DIR, (stateCopy = join(dir, 'state-backup')), { recursive: true });
    rmSync(STATE_DIR, { recursive: true, force: true });
    sandbox = await credentialSandbox('regsetup-agent-e2e-creds-');
    writeFileSync(join(dir, 'admin.pw'), `${labUser('admin').password}\n`);
    chmodSync(join(dir, 'admin.pw'), 0o600);
    writeFileSync(DAEMON_JSON, '{\n  "log-level": "info"\n}\n');
    await reloadDockerd();
  });

  afterAll(async () => {
    await stop('SIGKILL').catch(() => undefined);
    await restoreHostState(backup);
    rmSync(STATE_DIR, { recursive: true, force: true });
    if (stateCopy) cpSync(stateCopy, STATE_DIR, { recursive: true });
    if (!hadWrapper) rmSync(WRAPPER, { force: true });
    await sandbox.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('joins the node at start, then answers /healthz 200 and Prometheus /metrics on its socket', async () => {
    writeConfig(groupEntry());
    await start();
    await until('healthy', healthy, 60_000);
    expect((await daemonRegistryConfig()).mirrors.map(normalizeMirror)).toContain(groupMirror());
    expect(existsSync(`/etc/docker/certs.d/${lab.hosts.group}/ca.crt`)).toBe(true);
    const metrics = (await get(socket(), '/metrics')).body;
    for (const line of metrics.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.e+-]+$|NaN|Inf/);
    expect(metrics).toContain(`regsetup_clock_skew_seconds{registry="${lab.hosts.group}"}`);
    expect(metrics).toContain('regsetup_converge_runs_total{trigger="start"} 1');
  });

  it('a mirror removed by hand is restored and dockerd reloaded within the budget', async () => {
    const seen = out.length;
    writeFileSync(DAEMON_JSON, '{\n  "log-level": "info"\n}\n');
    const t = Date.now();
    // docker info still shows the mirror until a reload (nothing told dockerd of the hand edit): wait for the repair itself.
    await until('the mirror back in daemon.json and the repair logged', () => (mirrorsIn(readDaemon()).includes(groupMirror()) && out.slice(seen).includes('drift repaired')) || undefined, 10_000);
    expect(Date.now() - t).toBeLessThan(REPAIR_BUDGET_MS);
    expect((await daemonRegistryConfig()).mirrors.map(normalizeMirror)).toContain(groupMirror());
  });

  it('a deleted CA is restored', async () => {
    const ca = `/etc/docker/certs.d/${lab.hosts.group}/ca.crt`;
    rmSync(ca);
    await until('the CA back', () => existsSync(ca) || undefined, 5_000);
  });

  it('an unrelated key added by hand is kept, nothing rewritten', async () => {
    const edited = readDaemon().replace('"log-level"', '"debug": false,\n  "log-level"');
    writeFileSync(DAEMON_JSON, edited);
    await sleep(1_500);
    expect(readDaemon()).toBe(edited);
  });

  it('a malformed daemon.json is not touched: healthz 503 naming the line; fixed by hand → 200', async () => {
    const good = readDaemon();
    const broken = good.replace(/\n}\s*$/, ',\n}\n');
    writeFileSync(DAEMON_JSON, broken);
    const bad = await until('healthz 503', async () => {
      const h = await get(socket(), '/healthz');
      return h.status === 503 ? h : undefined;
    });
    expect(JSON.parse(bad.body).findings[0].message).toMatch(/line \d+/);
    expect(readDaemon()).toBe(broken);
    writeFileSync(DAEMON_JSON, good);
    await until('healthz 200 again', healthy, 10_000);
  });

  it('a join while the agent runs: serialised by the lock, both succeed', async () => {
    const join = regsetup(['join', lab.hosts.hub, '--ca-url', lab.caUrl, '--ca-fingerprint', lab.caFingerprint, '--mirror', 'none', '--runtime', 'docker', '--no-verify', '--yes', '--json'], { env: sandbox.env });
    writeFileSync(DAEMON_JSON, readDaemon().replace(groupMirror(), 'https://elsewhere.invalid'));
    const r = await join;
    expect(r.exitCode, r.stderr).toBe(0);
    await until('the agent repaired too', async () => mirrorsIn(readDaemon()).includes(groupMirror()) || undefined, 10_000);
    await until('healthy', healthy, 10_000);
    expect((await regsetup(['leave', lab.hosts.hub, '--yes'], { env: sandbox.env })).exitCode).toBe(0);
  });

  it('SIGHUP with an invalid file keeps the old config and logs the error', async () => {
    const good = readFileSync(config(), 'utf8');
    writeFileSync(config(), `${good}    bogus: 1\n`);
    agent!.kill('SIGHUP');
    await until('the refusal logged', () => out.includes('keeping the previous one') || undefined);
    expect(await healthy()).toBe(true);
    writeFileSync(config(), good);
  });

  it('no secret in logs, metrics or status', async () => {
    const pw = labUser('admin').password;
    const status = (await get(socket(), '/status')).body;
    const metrics = (await get(socket(), '/metrics')).body;
    for (const text of [out, status, metrics]) expect(text).not.toContain(pw);
  });

  it('SIGTERM during an apply: no half-written file, exit 0 within 10 s', async () => {
    writeFileSync(DAEMON_JSON, '{\n  "log-level": "info"\n}\n');
    await sleep(250); // debounce over: the repair is under way
    const t = Date.now();
    const r = await stop('SIGTERM');
    expect(r?.exitCode).toBe(0);
    expect(Date.now() - t).toBeLessThan(10_000);
    JSON.parse(readDaemon());
    expect(readdirSync('/etc/docker').filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('SIGKILL during an apply, then a restart: converges', async () => {
    await start();
    writeFileSync(DAEMON_JSON, '{\n  "log-level": "info"\n}\n');
    await sleep(250);
    await stop('SIGKILL');
    JSON.parse(readDaemon());
    await start(); // a stale pid file and socket are taken over
    await until('healthy after the restart', healthy, 60_000);
    expect(mirrorsIn(readDaemon())).toContain(groupMirror());
    expect((await stop('SIGTERM'))?.exitCode).toBe(0);
  });

  it('CA rotation: the new CA goes in next to the old before the switch, pulls keep working, the old one goes once unpinned', async () => {
    if (lab.rotate === undefined) throw new Error('this lab has no rotate host (scripts/lab.sh rotate-ca): update the lab');
    const rotate = lab.rotate.host;
    const lab_ = async (...args: string[]) => execa('bash', [labScript, ...args]);
    await lab_('rotate-ca', 'reset');
    await lab_('rotate-ca', 'stage');
    const staged = loadLabFresh();
    const ca2 = staged.ca2Fingerprint!;
    const entry = (pins: string[]) => `  - registry: ${rotate}\n    mirrors: [none]\n    runtimes: [docker]\n    ca:\n      url: ${lab.rotate!.caUrl}\n      fingerprints: [${pins.join(', ')}]\n`;
    writeConfig(entry([lab.caFingerprint, ca2]), '  interval: 2s\n');
    await start();
    const dirOf = `/etc/docker/certs.d/${rotate}`;
    await until('both CAs in certs.d', () => (existsSync(dirOf) && readdirSync(dirOf).filter((n) => n.endsWith('.crt')).length === 2) || undefined, 30_000);
    const image = `${rotate}/${lab.hubImages[0]}`;
    const pull = async () => {
      await removeImages(image);
      await docker(['pull', image]);
    };
    await pull();
    await lab_('rotate-ca', 'switch');
    await pull(); // the registry now presents a certificate of CA2: already trusted
    await lab_('rotate-ca', 'finish');
    writeConfig(entry([ca2]), '  interval: 2s\n');
    agent!.kill('SIGHUP');
    await until('only the new CA left', () => (readdirSync(dirOf).filter((n) => n.endsWith('.crt')).join() === 'ca.crt' && pemBody(readFileSync(`${dirOf}/ca.crt`, 'utf8')) === pemBody(readFileSync(staged.ca2File!, 'utf8'))) || undefined, 30_000);
    await pull();
    expect((await stop('SIGTERM'))?.exitCode).toBe(0);
    await regsetup(['leave', rotate, '--yes']);
    await lab_('rotate-ca', 'reset');
  }, 180_000);
});

const pemBody = (pem: string) => pem.replace(/-----[A-Z ]+-----|\s/g, '');

function loadLabFresh(): Lab {
  return JSON.parse(readFileSync(process.env.LAB_JSON || '/var/lib/regsetup-lab/lab.json', 'utf8')) as Lab;
}
