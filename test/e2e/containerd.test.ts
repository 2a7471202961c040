// `regsetup join` / `leave` / `status` on the lab's real containerd 1.6 with its CRI plugin, and on
// the node as a whole (dockerd and containerd, or containerd alone). What is checked is checked
// the way kubelet sees it: CRI pulls (verify's cri-* steps, and `ctr -n k8s.io` for what CRI
// left behind), CRI's own config (RuntimeService.Status), containerd's pid. Restores every file.
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { criClient } from '../../src/host/cri/cri-client.js';
import { regsetup, regsetupCommand } from './helpers/cli.js';
import { backupHostState, containerdPid, credentialSandbox, docker, dockerdPid, labUser, loadLab, restoreHostState, sleep, type CredentialSandbox, type HostStateBackup, type LabInfo } from './helpers/lab.js';

const labScript = fileURLToPath(new URL('../../scripts/lab.sh', import.meta.url));
const CERTS = '/etc/containerd/certs.d';
const STATE = '/var/lib/regsetup/state.json';
const KEEP = 'regsetup-e2e-ctrd-keep';

/** Every file under a directory, path → bytes (absent: {}). */
function tree(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) if (e.isFile()) out[join(e.parentPath, e.name)] = readFileSync(join(e.parentPath, e.name), 'latin1');
  return out;
}

const lab_ = (...args: string[]) => execa('bash', [labScript, ...args]);

describe('regsetup × containerd (lab, real containerd 1.6 with CRI)', () => {
  let lab: LabInfo;
  let backup: HostStateBackup;
  let sandbox: CredentialSandbox;
  let defaultConfig: string;
  const pin = () => lab.caFingerprint;
  const join_ = (extra: string[], input?: string) =>
    regsetup(['join', lab.hosts.group, '--ca-url', lab.caUrl, '--ca-fingerprint', pin(), '--yes', '--json', ...extra], { env: sandbox.env, ...(input ? { input } : {}) });
  const leave = (registry = lab.hosts.group, extra: string[] = []) => regsetup(['leave', registry, '--yes', '--json', ...extra], { env: sandbox.env });
  const asAdmin = () => `${labUser('admin').password}\n`;
  const cri = () => criClient({ socket: lab.containerd.socket });

  beforeAll(async () => {
    lab = loadLab();
    backup = await backupHostState();
    sandbox = await credentialSandbox('regsetup-containerd-e2e-');
    defaultConfig = readFileSync(lab.containerd.configFile, 'utf8');
  });

  afterEach(async () => {
    // Whatever a case did, the next starts from the lab's containerd with its own config.
    if (readFileSync(lab.containerd.configFile, 'utf8') !== defaultConfig) await lab_('restart-containerd', '--reset');
  });

  afterAll(async () => {
    await docker(['rm', '-f', KEEP], { reject: false });
    await sandbox?.cleanup();
    if (backup) await restoreHostState(backup);
  });

  it('with config_path set: hosts.toml for the registry and docker.io, no restart; CRI pulls a Docker Hub short name through the mirror and the registry with credentials; a second join changes nothing', async () => {
    const before = tree(CERTS);
    const pid = await containerdPid(lab);
    const r = await join_(['--runtime', 'containerd', '--username', 'admin', '--password-stdin'], asAdmin());
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.runtimes).toEqual([expect.objectContaining({ runtime: 'containerd', activation: 'none', activated: false })]);
    const steps = Object.fromEntries((r.json.verify.steps as Array<{ name: string; ok: boolean; skipped?: boolean; detail?: string }>).map((s) => [s.name, s]));
    expect(steps['cri-mirror-pull']).toMatchObject({ ok: true, detail: expect.stringContaining(`served by https://${lab.hosts.group}`) });
    expect(steps['cri-mirror-pull']!.skipped).toBeUndefined();
    expect(steps['cri-registry-pull']).toMatchObject({ ok: true, detail: expect.stringContaining('credentials') });
    expect(steps['cri-push-roundtrip']).toMatchObject({ ok: true });
    expect(await containerdPid(lab)).toBe(pid);

    const hub = parse(readFileSync(`${CERTS}/docker.io/hosts.toml`, 'utf8')) as { server: string; host: Record<string, { capabilities: string[]; ca: string[] }> };
    expect(hub.server).toBe('https://registry-1.docker.io');
    expect(hub.host[`https://${lab.hosts.group}`]).toEqual({ capabilities: ['pull', 'resolve'], ca: [`${CERTS}/${lab.hosts.group}/ca.crt`] });
    expect(parse(readFileSync(`${CERTS}/${lab.hosts.group}/hosts.toml`, 'utf8'))).toMatchObject({ server: `https://${lab.hosts.group}` });
    // CRI's effective config, as kubelet reads it.
    const c = cri();
    try {
      expect((await c.status({ verbose: true })).registry?.configPaths).toEqual([CERTS]);
    } finally {
      c.close();
    }
    // verify pulled and cleaned up again: CRI's namespace holds no image of its own.
    expect((await execa('ctr', ['--address', lab.containerd.socket, '-n', 'k8s.io', 'images', 'ls', '-q'])).stdout).not.toContain('hello-world');

    const again = await join_(['--runtime', 'containerd', '--no-verify']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.json).toMatchObject({ changed: false, runtimes: [{ runtime: 'containerd', activation: 'none', activated: false }] });

    const l = await leave();
    expect(l.exitCode, l.stderr).toBe(0);
    expect(tree(CERTS)).toEqual(before);
    expect(await containerdPid(lab)).toBe(pid);
  });

  it('with config_path unset: the plan says restart; --restart never refuses (nothing written); join restarts once, running containers untouched; leave puts config.toml back', async () => {
    writeFileSync(lab.containerd.configFile, defaultConfig.replace(/\n\s*\[plugins\."io\.containerd\.grpc\.v1\.cri"\.registry\]\n\s*config_path = "[^"]*"\n/, '\n'));
    await lab_('restart-containerd');
    const configBefore = readFileSync(lab.containerd.configFile, 'utf8');
    expect(configBefore).not.toContain('config_path');
    // A container of dockerd, whose shim runs on this containerd: a containerd restart must not touch it.
    await docker(['rm', '-f', KEEP], { reject: false });
    await docker(['run', '-d', '--name', KEEP, '--network', 'none', `${lab.hosts.hub}/library/alpine:latest`, 'sleep', '3600'], { reject: false });
    const keep = (await docker(['inspect', '--format', '{{.State.Running}} {{.State.StartedAt}} {{.State.Pid}}', KEEP], { reject: false })).stdout.trim();

    const plan = await regsetup(['plan', lab.hosts.group, '--runtime', 'containerd', '--ca-url', lab.caUrl, '--ca-fingerprint', pin(), '--json'], { env: sandbox.env });
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.json.plan.runtimes[0]).toMatchObject({ runtime: 'containerd', activation: 'restart' });
    expect(plan.stdout + plan.stderr).toContain('containerd (CRI): restart');

    const refusedRun = await join_(['--runtime', 'containerd', '--restart', 'never']);
    expect(refusedRun.exitCode).toBe(4);
    expect(refusedRun.json.error.code).toBe('ERR_RESTART_REQUIRED');
    expect(readFileSync(lab.containerd.configFile, 'utf8')).toBe(configBefore);
    expect(existsSync(`${CERTS}/docker.io/hosts.toml`)).toBe(false);

    const pid = await containerdPid(lab);
    const r = await join_(['--runtime', 'containerd', '--no-verify']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.runtimes[0]).toMatchObject({ runtime: 'containerd', activation: 'restart', activated: true });
    const restarted = await containerdPid(lab);
    expect(restarted).not.toBe(pid);
    const c = cri();
    try {
      expect((await c.status({ verbose: true })).registry?.configPaths).toEqual([CERTS]);
    } finally {
      c.close();
    }
    if (keep.startsWith('true')) expect((await docker(['inspect', '--format', '{{.State.Running}} {{.State.StartedAt}} {{.State.Pid}}', KEEP])).stdout.trim()).toBe(keep);

    const l = await leave();
    expect(l.exitCode, l.stderr).toBe(0);
    expect(readFileSync(lab.containerd.configFile, 'utf8')).toBe(configBefore);
    expect(await containerdPid(lab)).not.toBe(restarted);
  });

  it('refuses a config.toml with the deprecated registry.mirrors next to config_path, naming it; nothing written', async () => {
    writeFileSync(lab.containerd.configFile, `${defaultConfig}    [plugins."io.containerd.grpc.v1.cri".registry.mirrors."quay.io"]\n      endpoint = ["https://quay-mirror.example.com"]\n`);
    const config = readFileSync(lab.containerd.configFile, 'utf8');
    const before = tree(CERTS);
    const r = await join_(['--runtime', 'containerd', '--no-verify']);
    expect(r.exitCode).toBe(4);
    expect(r.json.error).toMatchObject({ code: 'ERR_CONTAINERD_DEPRECATED_REGISTRY', message: expect.stringContaining('registry.mirrors."quay.io"') });
    expect(r.json.error.message).toMatch(new RegExp(`${lab.containerd.configFile}:\\d+`));
    expect(readFileSync(lab.containerd.configFile, 'utf8')).toBe(config);
    expect(tree(CERTS)).toEqual(before);
  });

  it('refuses to merge into a hosts.toml that does not parse, naming the line; the file is left as it is', async () => {
    const broken = 'server = "https://registry-1.docker.io"\n\n[host."https://mirror.example.com"\n  capabilities = ["pull"]\n';
    const path = `${CERTS}/docker.io/hosts.toml`;
    await execa('mkdir', ['-p', `${CERTS}/docker.io`]);
    writeFileSync(path, broken);
    try {
      const r = await join_(['--runtime', 'containerd', '--no-verify']);
      expect(r.exitCode).toBe(4);
      expect(r.json.error.code).toBe('ERR_TOML_MALFORMED');
      expect(r.json.error.message).toMatch(/docker\.io\/hosts\.toml.*line 3/);
      expect(readFileSync(path, 'utf8')).toBe(broken);
    } finally {
      await execa('rm', ['-rf', `${CERTS}/docker.io`]);
    }
  });

  it('on a node with dockerd and containerd one join configures both; status shows each; leave undoes both', async () => {
    const r = await join_(['--username', 'admin', '--password-stdin'], asAdmin());
    expect(r.exitCode, r.stderr).toBe(0);
    const kinds = (r.json.runtimes as Array<{ runtime: string }>).map((x) => x.runtime);
    expect(kinds).toEqual(expect.arrayContaining(['docker', 'containerd']));
    const steps = (r.json.verify.steps as Array<{ name: string; ok: boolean; skipped?: boolean; runtime?: string }>).filter((s) => !s.skipped);
    expect(steps.filter((s) => !s.ok)).toEqual([]);
    expect(steps.map((s) => s.name)).toEqual(expect.arrayContaining(['mirror-pull', 'push-roundtrip', 'cri-mirror-pull', 'cri-registry-pull']));
    const status = await regsetup(['status', '--json'], { env: sandbox.env });
    expect(status.exitCode).toBe(0);
    expect(status.json.registries[0].runtimes.map((x: { runtime: string }) => x.runtime)).toEqual(expect.arrayContaining(['docker', 'containerd']));
    // A hand edit of containerd's file is drift of containerd.
    const hub = `${CERTS}/docker.io/hosts.toml`;
    const text = readFileSync(hub, 'utf8');
    writeFileSync(hub, 'server = "https://registry-1.docker.io"\n');
    const drifted = await regsetup(['status', '--json'], { env: sandbox.env });
    writeFileSync(hub, text);
    expect(drifted.exitCode).toBe(3);
    expect(drifted.json.registries[0].runtimes.find((x: { runtime: string }) => x.runtime === 'containerd').drift[0].what).toContain('was removed from');
    const l = await leave();
    expect(l.exitCode, l.stderr).toBe(0);
    expect(existsSync(hub)).toBe(false);
  });

  it('a version-1 journal (regsetup 0.1) is read, and leave still undoes that join', async () => {
    const j = await join_(['--runtime', 'docker', '--no-verify']);
    expect(j.exitCode, j.stderr).toBe(0);
    const v2 = JSON.parse(readFileSync(STATE, 'utf8'));
    const entry = v2.registries[lab.hosts.group];
    const docker0 = entry.runtimes.docker;
    // The same facts as 0.1 wrote them (test/fixtures/journal/v1-state.json has that shape).
    const v1 = { version: 1, registries: { [lab.hosts.group]: { registry: entry.registry, joinedAt: entry.joinedAt, updatedAt: entry.updatedAt, daemonJsonPath: docker0.daemonJsonPath, added: docker0.added, files: docker0.files, ...(docker0.createdDaemonJson ? { createdDaemonJson: true } : {}) } } };
    writeFileSync(STATE, `${JSON.stringify(v1, null, 2)}\n`);
    const status = await regsetup(['status', '--json'], { env: sandbox.env });
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.json.registries[0]).toMatchObject({ registry: lab.hosts.group, runtimes: [{ runtime: 'docker', drift: [] }] });
    const l = await leave();
    expect(l.exitCode, l.stderr).toBe(0);
    expect(JSON.parse(readFileSync(STATE, 'utf8'))).toMatchObject({ version: 2, registries: {} });
    expect(existsSync(`/etc/docker/certs.d/${lab.hosts.group}/ca.crt`)).toBe(false);
  });

  it('never leaves a half-written file when a two-runtime join or leave is killed at any point; the next join completes', async () => {
    const [file, ...pre] = regsetupCommand();
    const args = (op: 'join' | 'leave') =>
      op === 'join' ? ['join', lab.hosts.basic, '--ca-file', lab.caFile, '--ca-fingerprint', pin(), '--mirror', `https://${lab.hosts.basic}`, '--no-verify', '--yes'] : ['leave', lab.hosts.basic, '--yes'];
    const parses = () => {
      for (const [path, text] of Object.entries(tree(CERTS))) if (path.endsWith('.toml')) parse(text);
      if (existsSync('/etc/docker/daemon.json')) JSON.parse(readFileSync('/etc/docker/daemon.json', 'utf8'));
      if (existsSync(STATE)) JSON.parse(readFileSync(STATE, 'utf8'));
    };
    for (let i = 0; i < 12; i++) {
      const child = spawn(file!, [...pre, ...args(i % 2 === 0 ? 'join' : 'leave')], { stdio: 'ignore', env: { ...process.env, ...sandbox.env } });
      // Listening from the start: a run may be done before the kill (a leave with nothing left to undo).
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await sleep(80 + ((i * 97) % 700));
      child.kill('SIGKILL');
      await exited;
      parses();
    }
    const done = await regsetup([...args('join'), '--json'], { env: sandbox.env });
    expect(done.exitCode, done.stderr).toBe(0);
    expect(done.json.runtimes.map((x: { runtime: string }) => x.runtime)).toEqual(expect.arrayContaining(['docker', 'containerd']));
    parses();
    const l = await leave(lab.hosts.basic);
    expect(l.exitCode, l.stderr).toBe(0);
  });

  it('on a node with containerd alone (dockerd stopped), join configures containerd and verifies through CRI', async () => {
    const pid = await dockerdPid();
    process.kill(pid, 'SIGTERM');
    const gone = () => !existsSync(`/proc/${pid}/stat`) || readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z';
    while (!gone()) await sleep(100);
    try {
      const r = await join_(['--username', 'admin', '--password-stdin'], asAdmin());
      expect(r.exitCode, r.stderr).toBe(0);
      const kinds = (r.json.runtimes as Array<{ runtime: string }>).map((x) => x.runtime);
      expect(kinds).toContain('containerd');
      expect(kinds).not.toContain('docker');
      expect((r.json.verify.steps as Array<{ name: string; ok: boolean }>).find((s) => s.name === 'cri-registry-pull')).toMatchObject({ ok: true });
      const l = await leave();
      expect(l.exitCode, l.stderr).toBe(0);
    } finally {
      await lab_('up');
    }
  });
});
