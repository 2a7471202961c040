// The Ansible role (deploy/ansible/roles/regsetup, run by deploy/ansible/lab.yml) with Debian's
// ansible-playbook over real SSH against three of the lab's simulated nodes (`lab.sh nodes up`),
// shipping the single executable: every node joined and verified, a second run changes nothing,
// --check changes nothing (and says what a run would do), and `state: absent` leaves every node's
// files exactly as they were before the first run. Checked with the nodes' own docker CLI and
// dockerd, and with the node files as the host sees them.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { diffManifests, manifest, type Entry } from './helpers/host-snapshot.js';
import { HOST_PATHS } from './helpers/neutral-host.js';
import { labJsonPath, reloadLab, type LabInfo, type LabNode } from './helpers/lab.js';
import { seaPath } from './helpers/sea.js';

const NODES = 3;
// A playbook run on three nodes takes 10–40 s on two shared CPUs; a test makes up to three.
const RUNS_TIMEOUT = 300_000;
const repo = fileURLToPath(new URL('../../', import.meta.url));
const labScript = join(repo, 'scripts/lab.sh');
const playbook = join(repo, 'deploy/ansible/lab.yml');
const lab = (...args: string[]) => execa('bash', [labScript, ...args]);

// What the json stdout callback (ansible.posix.json) prints: one document per run.
const hostResult = z.object({ changed: z.boolean().optional(), failed: z.boolean().optional(), skipped: z.boolean().optional(), msg: z.unknown().optional(), stdout: z.string().optional() }).passthrough();
const runSchema = z.object({
  plays: z.array(z.object({ tasks: z.array(z.object({ task: z.object({ name: z.string() }), hosts: z.record(z.string(), hostResult) })) })),
  stats: z.record(z.string(), z.object({ ok: z.number(), changed: z.number(), failures: z.number(), unreachable: z.number() })),
});
type Run = z.infer<typeof runSchema>;

/** The node files a join may touch, as the host sees them (runtime data — images, /run — aside). */
const nodeRoots = (n: LabNode) => ['etc', 'root', 'usr/local/bin', 'var/lib/regsetup'].map((p) => join(n.fsDir, p));
/** The same without regsetup's own state (its journal and backups record each repair). */
const configRoots = (n: LabNode) => nodeRoots(n).filter((p) => !p.endsWith('/var/lib/regsetup'));
const CA_FILE = (info: LabInfo) => `etc/docker/certs.d/${info.hosts.group}/ca.crt`;

describe(`the Ansible role on ${NODES} lab nodes, over SSH, with the single executable`, () => {
  let info: LabInfo;
  let nodes: LabNode[];
  let started = false;
  let asFound: Entry[][];
  let hostBefore: Entry[];
  const snapshot = () => Promise.all(nodes.map((n) => manifest(nodeRoots(n))));

  /** ansible-playbook deploy/ansible/lab.yml on the first NODES nodes, NODES forks. */
  async function play(...args: string[]): Promise<Run> {
    const limit = `nodes[0:${NODES - 1}]`;
    const r = await execa('ansible-playbook', [playbook, '--limit', limit, '--forks', String(NODES), ...args], {
      env: { ANSIBLE_CONFIG: info.ansible!.config, ANSIBLE_STDOUT_CALLBACK: 'json', ANSIBLE_NOCOLOR: '1', LAB_JSON: labJsonPath(), REGSETUP_SEA: seaPath() },
      reject: false,
    });
    let run: Run;
    try {
      run = runSchema.parse(JSON.parse(r.stdout));
    } catch (error) {
      throw new Error(`ansible-playbook ${args.join(' ')} printed no run document (exit ${r.exitCode}): ${(error as Error).message}\n${r.stderr}\n${r.stdout.slice(0, 2000)}`, { cause: error });
    }
    const failed = run.plays.flatMap((p) => p.tasks.flatMap((t) => Object.entries(t.hosts).filter(([, h]) => h.failed).map(([host, h]) => `${host} ${t.task.name}: ${JSON.stringify(h.msg)}`)));
    expect({ exitCode: r.exitCode, failed }, r.stderr).toEqual({ exitCode: 0, failed: [] });
    for (const n of nodes) expect(run.stats[n.name], n.name).toMatchObject({ failures: 0, unreachable: 0 });
    return run;
  }
  const changed = (run: Run) => Object.fromEntries(nodes.map((n) => [n.name, run.stats[n.name]!.changed]));
  const results = (run: Run, task: string) =>
    nodes.map((n) => run.plays.flatMap((p) => p.tasks).find((t) => t.task.name === `regsetup : ${task}`)?.hosts[n.name]);
  /** A command on a node, through its sshd, as its root (the lab's key and known_hosts). */
  const onNode = (n: LabNode, command: string) =>
    execa('ssh', ['-i', info.ansible!.privateKey, '-o', `UserKnownHostsFile=${info.ansible!.knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `root@${n.ip}`, command], { reject: false });

  beforeAll(async () => {
    seaPath();
    if (reloadLab().nodes.length < NODES) {
      started = true;
      await lab('nodes', 'up', String(NODES));
    }
    info = reloadLab();
    nodes = info.nodes.slice(0, NODES);
    // A node some earlier run left with regsetup on it would make "as found" meaningless.
    const stale = nodes.filter((n) => existsSync(join(n.fsDir, 'usr/local/bin/regsetup')));
    if (stale.length > 0) throw new Error(`${stale.map((n) => n.name).join(', ')} already have regsetup (a killed run?): bash scripts/lab.sh nodes down`);
    asFound = await snapshot();
    hostBefore = await manifest(['/etc/hosts', ...HOST_PATHS]);
  }, 180_000);

  afterAll(async () => {
    if (started) await lab('nodes', 'down');
  }, 120_000);

  it('the role and the playbook pass ansible-lint (production profile)', async () => {
    const home = await mkdtemp(join(tmpdir(), 'regsetup-ansible-lint-'));
    try {
      const r = await execa('ansible-lint', ['--offline', 'deploy/ansible'], { cwd: repo, env: { HOME: home, XDG_CACHE_HOME: join(home, 'cache'), NO_COLOR: '1' }, reject: false });
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(r.stderr + r.stdout).toMatch(/Passed with production profile/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  let joined: Entry[][];
  it('a first run installs regsetup and joins every node, verified; each node pulls through its own dockerd with its credentials', async () => {
    const run = await play();
    expect(Object.values(changed(run)).every((c) => c > 0), JSON.stringify(changed(run))).toBe(true);
    for (const [i, r] of results(run, 'Join every registry of the desired-state file, and verify').entries()) {
      const doc = JSON.parse(r!.stdout!) as { ok: boolean; registries: Array<{ registry: string; changed: boolean; verify: { ok: boolean; steps: Array<{ name: string; ok: boolean | null }> } }> };
      expect(doc.ok, nodes[i]!.name).toBe(true);
      expect(doc.registries.map((e) => [e.registry, e.changed, e.verify.ok])).toEqual([[info.hosts.group, true, true]]);
      expect(doc.registries[0]!.verify.steps.map((s) => s.name)).toEqual(expect.arrayContaining(['mirror-pull', 'registry-pull', 'push-roundtrip', 'daemon-config']));
    }
    for (const n of nodes) {
      const status = await onNode(n, 'regsetup status --json');
      expect(JSON.parse(status.stdout), n.name).toMatchObject({ ok: true, drifted: false, registries: [expect.objectContaining({ registry: info.hosts.group })] });
      // The node's own docker CLI, its dockerd, its credential helper: not the host's.
      const image = `${info.hosts.group}/library/hello-world:latest`;
      const pull = await onNode(n, `docker info --format '{{.Name}} {{json .RegistryConfig.Mirrors}}' && docker pull -q ${image} && docker rmi -f ${image} >/dev/null`);
      expect(pull.exitCode, pull.stderr).toBe(0);
      expect(pull.stdout.split('\n')[0]).toBe(`${n.name} ["https://${info.hosts.group}/"]`);
    }
    joined = await snapshot();
  }, RUNS_TIMEOUT);

  it('a second run changes nothing on any node, byte for byte', async () => {
    const run = await play();
    expect(changed(run)).toEqual(Object.fromEntries(nodes.map((n) => [n.name, 0])));
    const now = await snapshot();
    nodes.forEach((n, i) => expect(diffManifests(joined[i]!, now[i]!), n.name).toEqual([]));
  }, RUNS_TIMEOUT);

  it('--check --diff on a drifted node says what a run would do, and changes nothing anywhere', async () => {
    await unlink(join(nodes[0]!.fsDir, CA_FILE(info)));
    const drifted = await snapshot();
    const run = await play('--check', '--diff');
    expect(changed(run)).toEqual(Object.fromEntries(nodes.map((n, i) => [n.name, i === 0 ? 1 : 0])));
    const [diff, ...others] = results(run, "Show the plan's diff");
    expect((diff!.msg as string[]).join('\n')).toContain(`+++ /${CA_FILE(info)}\n`);
    expect(others.every((h) => h!.skipped)).toBe(true);
    const now = await snapshot();
    nodes.forEach((n, i) => expect(diffManifests(drifted[i]!, now[i]!), n.name).toEqual([]));
  }, RUNS_TIMEOUT);

  it("a run repairs the drift on that node alone, back to the joined configuration's bytes", async () => {
    const run = await play();
    expect(changed(run)).toEqual(Object.fromEntries(nodes.map((n, i) => [n.name, i === 0 ? 1 : 0])));
    for (const [i, n] of nodes.entries()) {
      const [was, now] = [joined[i]!.filter((e) => configRoots(n).some((r) => e.path.startsWith(r))), await manifest(configRoots(n))];
      expect(diffManifests(was, now), n.name).toEqual([]);
    }
  }, RUNS_TIMEOUT);

  it('state: absent leaves every node exactly as found; a second one changes nothing; the host was never touched', async () => {
    const run = await play('-e', 'regsetup_state=absent');
    expect(Object.values(changed(run)).every((c) => c > 0)).toBe(true);
    const now = await snapshot();
    nodes.forEach((n, i) => expect(diffManifests(asFound[i]!, now[i]!), n.name).toEqual([]));
    for (const n of nodes) {
      const mirrors = await onNode(n, `docker info --format '{{json .RegistryConfig.Mirrors}}'`);
      expect(mirrors.stdout, n.name).toBe('[]');
    }
    expect(changed(await play('-e', 'regsetup_state=absent'))).toEqual(Object.fromEntries(nodes.map((n) => [n.name, 0])));
    expect(diffManifests(hostBefore, await manifest(['/etc/hosts', ...HOST_PATHS]))).toEqual([]);
  }, RUNS_TIMEOUT);
});
