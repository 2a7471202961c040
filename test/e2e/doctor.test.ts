// `regsetup doctor` on the lab and a real dockerd: each classic fault is found with its cause and
// fix, `--fix --yes` repairs several at once through plan/apply, and the interactive walk works in
// a real terminal (tmux). Leaves /etc/docker, ~/.docker and /var/lib/regsetup as found.
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { regsetup, regsetupCommand } from './helpers/cli.js';
import { pane as tmuxPane, waitForPane } from './helpers/tmux.js';
import {
  backupHostState,
  CERTS_D,
  daemonRegistryConfig,
  installCa,
  labUser,
  loadLab,
  normalizeMirror,
  readDaemonJson,
  removeCertsDir,
  restoreHostState,
  setMirrors,
  sleep,
  tempDockerConfig,
  writeDaemonJson,
  type HostStateBackup,
  type LabInfo,
  type TempDockerConfig,
} from './helpers/lab.js';

type Finding = { id: string; severity: string; registry?: string; seen: string; cause: string; fix: string; fixable: boolean };

const STATE_DIR = '/var/lib/regsetup';
const repo = fileURLToPath(new URL('../..', import.meta.url));
const errors = (json: { findings: Finding[] }) => json.findings.filter((f) => f.severity === 'error');
const byId = (json: { findings: Finding[] }, id: string) => json.findings.find((f) => f.id === id);
const colonFingerprint = (pin: string) => pin.slice('sha256:'.length).toUpperCase().match(/../g)!.join(':');

describe('regsetup doctor (lab, real dockerd)', () => {
  let lab: LabInfo;
  let backup: HostStateBackup;
  let cfg: TempDockerConfig;
  let stateCopy: string;
  const admin = () => labUser('admin');
  const doctor = (args: string[], opts: { input?: string; env?: Record<string, string> } = {}) => regsetup(['doctor', ...args, '--json'], { input: opts.input, env: { ...cfg.env, ...opts.env } });
  const asAdmin = (args: string[]) => doctor([...args, '--username', 'admin', '--password-stdin'], { input: `${admin().password}\n` });

  beforeAll(async () => {
    lab = loadLab();
    backup = await backupHostState();
    // The journal is host state too: fixes go through plan/apply, which records them.
    stateCopy = await mkdtemp(join(tmpdir(), 'doctor-e2e-state-'));
    if (existsSync(STATE_DIR)) await cp(STATE_DIR, join(stateCopy, 'regsetup'), { recursive: true });
    // PATH without pass and helpers: the credentials check is tested on its own below.
    cfg = await tempDockerConfig();
  });

  afterAll(async () => {
    await cfg?.cleanup();
    await rm(STATE_DIR, { recursive: true, force: true });
    if (stateCopy && existsSync(join(stateCopy, 'regsetup'))) await cp(join(stateCopy, 'regsetup'), STATE_DIR, { recursive: true });
    if (stateCopy) await rm(stateCopy, { recursive: true, force: true });
    if (backup) await restoreHostState(backup);
  });

  beforeEach(async () => {
    // Every case starts from: no CA for the lab names, no journal, no mirrors.
    for (const host of [lab.hosts.group, lab.hosts.proxyOnly, lab.hosts.skew]) await removeCertsDir(host);
    await rm(STATE_DIR, { recursive: true, force: true });
    const live = (await daemonRegistryConfig()).mirrors.map(normalizeMirror);
    if (live.join(' ') !== backup.effective.mirrors.map(normalizeMirror).join(' ')) await setMirrors(backup.effective.mirrors.map(normalizeMirror));
  });

  it('reports the unknown authority of a registry without its CA, with the fix', async () => {
    const r = await asAdmin([lab.hosts.group]);
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.json).toMatchObject({ command: 'doctor', changed: false, ok: false });
    expect(byId(r.json, 'tls-unknown-authority')).toMatchObject({ severity: 'error', registry: lab.hosts.group, fixable: true });
    expect(byId(r.json, 'tls-unknown-authority')!.fix).toContain(`${CERTS_D}/${lab.hosts.group}/ca.crt`);
    expect(existsSync(`${CERTS_D}/${lab.hosts.group}`)).toBe(false); // reported, not fixed
    expect(r.stderr).toMatch(/--fix --yes/);
    expect(r.stdout + r.stderr).not.toContain(admin().password);
  });

  it('reports a registry clock hours off, with the size of the offset and the NTP commands', async () => {
    await installCa(lab.hosts.skew);
    const r = await asAdmin([lab.hosts.skew]);
    expect(r.exitCode).toBe(3);
    const skew = byId(r.json, 'clock-skew')!;
    expect(skew).toMatchObject({ severity: 'error', fixable: false });
    expect(skew.seen).toMatch(/\+(2h 59m|3h 0m)/);
    expect(skew.fix).toMatch(/timedatectl set-ntp true/);
    expect(skew.fix).toMatch(/chronyc makestep/);
  });

  it('reports a plain-HTTP registry missing from insecure-registries', async () => {
    const r = await doctor([lab.hosts.plain]);
    expect(r.exitCode).toBe(3);
    const f = byId(r.json, 'http-response-to-https')!;
    expect(f).toMatchObject({ registry: lab.hosts.plain, fixable: true });
    expect(f.fix).toContain('insecure-registries');
  });

  it('reports pushes routed to a proxy-only endpoint as the group/proxy cause', async () => {
    for (const host of [lab.hosts.group, lab.hosts.proxyOnly]) await installCa(host);
    const r = await asAdmin([lab.hosts.group, '--push-registry', lab.hosts.proxyOnly]);
    expect(r.exitCode).toBe(3);
    const f = byId(r.json, 'push-refused-by-group')!;
    expect(f).toMatchObject({ registry: lab.hosts.proxyOnly, fixable: false });
    expect(f.cause).toMatch(/group or proxy/);
    expect(f.fix).toContain('--push-registry');
  });

  it('reports pass installed but never initialised', async () => {
    const withPass = await tempDockerConfig({ keepPath: true });
    try {
      await installCa(lab.hosts.group);
      const r = await regsetup(['doctor', lab.hosts.group, '--json'], { env: { ...withPass.env, HOME: '/root', PASSWORD_STORE_DIR: join(withPass.dir, 'no-store') } });
      expect(r.exitCode).toBe(3);
      const f = byId(r.json, 'pass-not-initialized')!;
      expect(f).toMatchObject({ severity: 'error', fixable: true });
      expect(f.seen).toContain('.gpg-id');
    } finally {
      await withPass.cleanup();
    }
  });

  it('--fix --yes repairs a missing CA and a mirror the daemon never loaded, and the re-check is clean', async () => {
    const mirror = `https://${lab.hosts.group}`;
    await writeDaemonJson({ ...((await readDaemonJson()) ?? {}), 'registry-mirrors': [mirror] }); // written, not reloaded
    expect((await daemonRegistryConfig()).mirrors.map((m) => m.replace(/\/$/, ''))).not.toContain(mirror);
    const r = await doctor([lab.hosts.group, '--fix', '--yes', '--ca-url', lab.caUrl, '--ca-fingerprint', lab.caFingerprint, '--username', 'admin', '--password-stdin'], { input: `${admin().password}\n` });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ command: 'doctor', changed: true, ok: true });
    expect(errors(r.json).map((f) => f.id).sort()).toEqual(['daemon-not-reloaded', 'tls-unknown-authority']);
    expect(r.json.fixes.map((f: { key: string; status: string }) => [f.key, f.status])).toEqual(
      expect.arrayContaining([['reload', 'applied'], [`ca:${lab.hosts.group}`, 'applied']]),
    );
    expect(r.json.recheck.filter((f: Finding) => f.severity === 'error')).toEqual([]);
    expect(r.stderr).toMatch(/error +→ ok +tls-unknown-authority/);
    expect(readFileSync(`${CERTS_D}/${lab.hosts.group}/ca.crt`, 'utf8')).toBe(readFileSync(lab.caFile, 'utf8'));
    expect((await daemonRegistryConfig()).mirrors.map((m) => m.replace(/\/$/, ''))).toContain(mirror);
    // Through join's apply: the journal records the CA, so `leave` can undo it.
    expect(JSON.parse(readFileSync(`${STATE_DIR}/state.json`, 'utf8')).registries[lab.hosts.group].runtimes.docker.files[0].path).toBe(`${CERTS_D}/${lab.hosts.group}/ca.crt`);
  });

  it('--fix --yes adds an HTTP-only registry to insecure-registries, warning that TLS is off', async () => {
    const r = await doctor([lab.hosts.plain, '--fix', '--yes']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.fixes).toEqual([expect.objectContaining({ key: `insecure:${lab.hosts.plain}`, status: 'applied' })]);
    expect(r.stderr).toMatch(/turns off TLS for plain/);
    expect((await daemonRegistryConfig()).insecureHosts).toContain(lab.hosts.plain);
    expect(r.json.recheck.filter((f: Finding) => f.severity === 'error')).toEqual([]);
  });

  it('under --fix --yes leaves an unpinned CA alone and says how to pin it', async () => {
    const r = await doctor([lab.hosts.group, '--fix', '--yes', '--ca-url', lab.caUrl]);
    expect(r.exitCode).toBe(3);
    expect(r.json.changed).toBe(false); // the one fix was not applied
    expect(r.json.fixes[0]).toMatchObject({ key: `ca:${lab.hosts.group}`, status: 'skipped' });
    expect(r.json.fixes[0].detail[0]).toContain(`--ca-fingerprint ${lab.caFingerprint}`);
    expect(existsSync(`${CERTS_D}/${lab.hosts.group}/ca.crt`)).toBe(false);
  });

  it('in a terminal: shows the CA fingerprint, installs it when accepted, and the re-check passes', async () => {
    const session = `regsetup-doctor-${process.pid}`;
    const dir = await mkdtemp(join(tmpdir(), 'doctor-tty-'));
    const env = `/usr/bin/env DOCKER_CONFIG=${cfg.dir} PATH=${cfg.env.PATH} REGSETUP_PASSWORD=${admin().password}`;
    const command = `cd ${repo} && ${env} ${regsetupCommand().join(' ')} doctor ${lab.hosts.group} --username admin --ca-url ${lab.caUrl}; echo $? > ${dir}/rc; sleep 30`;
    const pane = () => tmuxPane(session);
    const waitFor = (re: RegExp, ms?: number) => waitForPane(session, re, ms);
    await writeFile(join(dir, 'cmd.sh'), `${command}\n`);
    await execa('tmux', ['new-session', '-d', '-s', session, '-x', '200', '-y', '50', `bash ${dir}/cmd.sh`]);
    try {
      const asked = await waitFor(/Apply this fix/);
      expect(asked).toContain(colonFingerprint(lab.caFingerprint));
      expect(asked).toMatch(/subject: +CN=regsetup lab CA/);
      expect(existsSync(`${CERTS_D}/${lab.hosts.group}/ca.crt`)).toBe(false);
      await execa('tmux', ['send-keys', '-t', session, 'y']);
      await execa('tmux', ['send-keys', '-t', session, 'Enter']);
      const done = await waitFor(/doctor: (no problems found|\d+ problems?)[^\n]*\n[\s\S]*$/m, 90_000).then(async () => {
        const deadline = Date.now() + 90_000;
        while (!existsSync(join(dir, 'rc')) && Date.now() < deadline) await sleep(200);
        return pane();
      });
      expect(done).toMatch(/error +→ ok +tls-unknown-authority/);
      expect(readFileSync(join(dir, 'rc'), 'utf8').trim()).toBe('0');
      expect(readFileSync(`${CERTS_D}/${lab.hosts.group}/ca.crt`, 'utf8')).toBe(readFileSync(lab.caFile, 'utf8'));
      expect(done).not.toContain(admin().password);
    } finally {
      await execa('tmux', ['kill-session', '-t', session], { reject: false });
      await rm(dir, { recursive: true, force: true });
    }
  });
});
