// deploy/kubernetes/ on the lab's dockerd: the image scripts/build-image.sh makes (docker import, no
// base image), run with exactly the DaemonSet's pod spec — hostPID, hostNetwork, user, capabilities,
// seccomp/AppArmor, memory limit, every volume mount — translated by test/e2e/helpers/pod-to-docker.ts
// from the manifest itself; a ConfigMap-equivalent desired-state file and a Secret-equivalent password
// file stand in for the two API volumes. The container joins the host's dockerd and containerd, its
// probes answer where the kubelet asks, a hand edit of daemon.json is repaired; then the one-shot
// forms (one-shot/join.yaml, one-shot/leave.yaml init containers) join and leave. No cluster runs
// here: the kubelet, the scheduler and the API server are not part of this (deploy/README.md).
import { execa } from 'execa';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { criClient } from '../../src/host/cri/cri-client.js';
import { backupHostState, daemonRegistryConfig, docker, labUser, loadLab, normalizeMirror, reloadDockerd, restoreHostState, type HostStateBackup, type LabInfo } from './helpers/lab.js';
import { podToDockerRun, probeUrl, type DockerRun } from './helpers/pod-to-docker.js';
import { until } from './helpers/until.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const DAEMON_JSON = '/etc/docker/daemon.json';
const STATE_DIR = '/var/lib/regsetup';
const AGENT = 'regsetup-e2e-daemonset';
const ONE_SHOT = 'regsetup-e2e-one-shot';
const HELLO = 'docker.io/library/hello-world:latest';
const BEFORE = '{\n  "log-level": "info"\n}\n';

const podOf = (file: string): IPodSpec => (parseYaml(readFileSync(join(repo, 'deploy/kubernetes', file), 'utf8')) as { spec: { template: { spec: IPodSpec } } }).spec.template.spec;

const mirrorsInFile = () => ((JSON.parse(readFileSync(DAEMON_JSON, 'utf8')) as Record<string, unknown>)['registry-mirrors'] as string[] | undefined) ?? [];
const dockerMirrors = async () => (await daemonRegistryConfig()).mirrors.map(normalizeMirror);
/** What leave restores: the file's own settings; an emptied mirror list stays as [] (dockerd keeps an absent key on reload). */
const asBefore = () => {
  const { 'registry-mirrors': mirrors = [], ...rest } = JSON.parse(readFileSync(DAEMON_JSON, 'utf8')) as Record<string, unknown>;
  return { rest, mirrors };
};

describe('deploy/kubernetes: the DaemonSet\'s pod on the lab\'s dockerd (no cluster)', () => {
  let lab: LabInfo;
  let backup: HostStateBackup;
  let dir: string;
  let image: string;
  let stateCopy: string | undefined;
  const made: string[] = [];
  const mirror = () => `https://${lab.hosts.group}`;
  const sources = () => ({ volumes: { 'desired-state': join(dir, 'configmap'), credentials: join(dir, 'secret') } });
  // Lab only: its containerd reads config.toml from the lab's directory, where a node's is in /etc/containerd (mounted).
  const labOnly = () => ['--mount', `type=bind,source=${lab.containerd.configFile},target=${lab.containerd.configFile},readonly`];

  /** docker run of one container of a manifest's pod, as the kubelet would start it. */
  async function run(file: string, container: string, o: { name: string; detach: boolean; args?: (args: string[]) => string[] }) {
    const spec: DockerRun = podToDockerRun(podOf(file), container, sources());
    for (const path of spec.createDirs.filter((p) => !existsSync(p))) {
      mkdirSync(path, { recursive: true });
      made.push(path);
    }
    for (const { path } of spec.mustExist) expect(existsSync(path), `${path} (hostPath ${file})`).toBe(true);
    const args = o.args ? o.args(spec.args) : spec.args;
    return docker(['run', ...(o.detach ? ['--detach'] : []), '--name', o.name, ...spec.flags, ...labOnly(), spec.image, ...args], { reject: false, timeoutMs: 300_000 });
  }
  const removeContainer = (name: string) => docker(['rm', '--force', name], { reject: false });
  const logs = async (name: string) => (await docker(['logs', name], { reject: false })).output;
  const get = async (url: string) => {
    const r = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return { status: r.status, body: await r.text() };
  };
  const agentContainer = () => podOf('daemonset.yaml').containers[0]!;
  const cri = () => criClient({ socket: lab.containerd.socket });
  const criPullHello = async () => {
    const client = cri();
    try {
      await client.removeImage(HELLO).catch(() => undefined);
      return await client.pullImage(HELLO, undefined, 60_000);
    } finally {
      client.close();
    }
  };

  beforeAll(async () => {
    lab = loadLab();
    backup = await backupHostState();
    dir = mkdtempSync(join(tmpdir(), 'regsetup-daemonset-e2e-'));
    if (existsSync(STATE_DIR)) cpSync(STATE_DIR, (stateCopy = join(dir, 'state-backup')), { recursive: true });
    rmSync(STATE_DIR, { recursive: true, force: true });
    // The image, as scripts/build-image.sh makes it from dist/sea (npm run test:e2e builds that first).
    const built = await execa('bash', [join(repo, 'scripts/build-image.sh'), '--out', join(dir, 'rootfs.tar')], { reject: false });
    if (built.exitCode !== 0) throw new Error(`scripts/build-image.sh failed:\n${built.stderr}`);
    image = built.stdout.trim().split('\n').at(-1)!;
    expect(image).toBe(agentContainer().image);
    // The ConfigMap's and the Secret's stand-ins: the lab's group registry, its admin's password (0400, as defaultMode).
    mkdirSync(join(dir, 'configmap'));
    mkdirSync(join(dir, 'secret'));
    writeFileSync(
      join(dir, 'configmap/regsetup.yaml'),
      `version: 1\nagent:\n  interval: 30s\nregistries:\n  - registry: ${lab.hosts.group}\n    mirrors: [${mirror()}]\n    runtimes: [docker, containerd]\n` +
        `    ca:\n      url: ${lab.caUrl}\n      fingerprints: [${lab.caFingerprint}]\n    credentials:\n      username: admin\n      passwordFile: /etc/regsetup-credentials/password\n`,
    );
    writeFileSync(join(dir, 'secret/password'), `${labUser('admin').password}\n`);
    chmodSync(join(dir, 'secret/password'), 0o400);
    await removeContainer(AGENT);
    await removeContainer(ONE_SHOT);
    writeFileSync(DAEMON_JSON, BEFORE);
    await reloadDockerd();
  }, 600_000);

  afterAll(async () => {
    await removeContainer(AGENT);
    await removeContainer(ONE_SHOT);
    // Host paths the kubelet would have created (DirectoryOrCreate) go first; the global teardown checks the rest.
    for (const path of made.reverse()) rmSync(path, { recursive: true, force: true });
    await restoreHostState(backup);
    rmSync(STATE_DIR, { recursive: true, force: true });
    if (stateCopy) cpSync(stateCopy, STATE_DIR, { recursive: true });
    if (image) await docker(['rmi', image], { reject: false });
    rmSync(dir, { recursive: true, force: true });
  }, 180_000);

  it('the agent\'s container joins the host\'s dockerd and containerd; the probes answer where the kubelet asks', async () => {
    const started = await run('daemonset.yaml', 'agent', { name: AGENT, detach: true });
    expect(started.exitCode, started.output).toBe(0);
    const ready = probeUrl(agentContainer(), 'readinessProbe');
    await until('readiness (/healthz 200)', async () => (await get(ready)).status === 200 || undefined, 120_000).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${await logs(AGENT)}`);
    });
    expect((await get(probeUrl(agentContainer(), 'livenessProbe'))).status).toBe(200);
    expect((await get(probeUrl(agentContainer(), 'startupProbe'))).status).toBe(200);
    // dockerd: the mirror live (docker info), the CA in the host's certs.d.
    expect(await dockerMirrors()).toContain(mirror());
    expect(existsSync(`/etc/docker/certs.d/${lab.hosts.group}/ca.crt`)).toBe(true);
    // containerd: hosts.toml in the host's certs.d, and a CRI pull of Docker Hub (black-holed in the lab) through the mirror.
    expect(existsSync(`${lab.containerd.certsDir}/docker.io/hosts.toml`)).toBe(true);
    expect(await criPullHello()).toMatch(/^sha256:/);
    expect(await logs(AGENT)).not.toContain(labUser('admin').password);
  }, 240_000);

  it('a hand edit of the host\'s daemon.json is repaired and dockerd reloaded', async () => {
    writeFileSync(DAEMON_JSON, BEFORE);
    await until('the mirror back in daemon.json', () => mirrorsInFile().map(normalizeMirror).includes(mirror()) || undefined, 20_000);
    await until('docker info showing the mirror again', async () => (await dockerMirrors()).includes(mirror()) || undefined, 20_000);
    expect(JSON.parse(readFileSync(DAEMON_JSON, 'utf8'))).toMatchObject({ 'log-level': 'info' });
    expect((await get(probeUrl(agentContainer(), 'readinessProbe'))).status).toBe(200);
  });

  it('stops on SIGTERM within the grace period (docker stop, as the kubelet does)', async () => {
    const stopped = await docker(['stop', AGENT], { reject: false, timeoutMs: 60_000 });
    expect(stopped.exitCode, stopped.output).toBe(0);
    const state = JSON.parse((await docker(['inspect', '--format', '{{json .State}}', AGENT])).stdout) as { ExitCode: number };
    expect(state.ExitCode).toBe(0);
    expect(await logs(AGENT)).toContain('agent stopped');
    await removeContainer(AGENT);
  });

  it('the one-shot forms: leave (one-shot/leave.yaml) puts the host back, join (one-shot/join.yaml) configures it again', async () => {
    const leave = () => run('one-shot/leave.yaml', 'leave', { name: ONE_SHOT, detach: false, args: (a) => a.map((x, i) => (i === 1 ? lab.hosts.group : x)) });
    const left = await leave();
    expect(left.exitCode, left.output).toBe(0);
    await removeContainer(ONE_SHOT);
    expect(asBefore()).toEqual({ rest: JSON.parse(BEFORE), mirrors: [] });
    await until('docker info without the mirror', async () => !(await dockerMirrors()).includes(mirror()) || undefined, 20_000);
    expect(existsSync(`/etc/docker/certs.d/${lab.hosts.group}/ca.crt`)).toBe(false);
    expect(existsSync(`${lab.containerd.certsDir}/docker.io/hosts.toml`)).toBe(false);

    const joined = await run('one-shot/join.yaml', 'join', { name: ONE_SHOT, detach: false });
    expect(joined.exitCode, joined.output).toBe(0);
    expect(JSON.parse(joined.stdout)).toMatchObject({ ok: true });
    expect(joined.output).not.toContain(labUser('admin').password);
    await removeContainer(ONE_SHOT);
    expect(await dockerMirrors()).toContain(mirror());
    expect(await criPullHello()).toMatch(/^sha256:/);

    // The uninstall path once more: the host as before the first join.
    const again = await leave();
    expect(again.exitCode, again.output).toBe(0);
    expect(asBefore()).toEqual({ rest: JSON.parse(BEFORE), mirrors: [] });
    expect(existsSync(`${lab.containerd.certsDir}/docker.io/hosts.toml`)).toBe(false);
  }, 360_000);
});
