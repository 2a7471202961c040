// `regsetup doctor` on the lab's real containerd 1.6 with its CRI plugin (shared with the lab's
// dockerd): a fault made by hand is named (exit 3), `doctor --fix --yes` repairs it through join's
// plan and apply — a restart only through containerd's activation (a new pid, never a signal) —
// and doctor is clean again (exit 0). What is checked is checked as kubelet sees it: CRI Status,
// a CRI pull, containerd's pid. Every file is put back (leave, then the lab's default config.toml).
import { execa } from 'execa';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { criClient } from '../../src/host/cri/cri-client.js';
import { regsetup, type CliResult } from './helpers/cli.js';
import { backupHostState, containerdPid, credentialSandbox, labUser, loadLab, restoreHostState, type CredentialSandbox, type HostStateBackup, type LabInfo } from './helpers/lab.js';

type Finding = { id: string; severity: string; registry?: string; seen: string; cause: string; fix: string; fixable: boolean };
type Fixed = { key: string; findings: string[]; status: string; detail: string[] };

const labScript = fileURLToPath(new URL('../../scripts/lab.sh', import.meta.url));
const CERTS = '/etc/containerd/certs.d';
const HUB = `${CERTS}/docker.io/hosts.toml`;
const STATE = '/var/lib/regsetup/state.json';
const lab_ = (...args: string[]) => execa('bash', [labScript, ...args]);

const errors = (list: Finding[] | undefined) => (list ?? []).filter((f) => f.severity === 'error');
const ours = (list: Finding[] | undefined) => (list ?? []).filter((f) => f.id.startsWith('containerd-'));
const byId = (r: CliResult, id: string): Finding | undefined => (r.json?.findings as Finding[] | undefined)?.find((f) => f.id === id);
const show = (r: CliResult) => `exit ${r.exitCode}\n${r.stderr}\n${JSON.stringify(r.json?.recheck ?? r.json?.findings ?? r.stdout, null, 1)}`;

// A join, three or four doctor runs (each with the verify suite) and containerd restarts per case.
describe('regsetup doctor × containerd (lab, real containerd 1.6 with CRI)', { timeout: 420_000 }, () => {
  let lab: LabInfo;
  let backup: HostStateBackup;
  let sandbox: CredentialSandbox;
  let defaultConfig: string;
  const group = () => lab.hosts.group;
  const doctor = (extra: string[] = []) => regsetup(['doctor', group(), '--json', ...extra], { env: sandbox.env, timeoutMs: 240_000 });
  const cri = () => criClient({ socket: lab.containerd.socket });


  async function configPaths(): Promise<string[] | undefined> {
    const c = cri();
    try {
      return (await c.status({ verbose: true })).registry?.configPaths;
    } finally {
      c.close();
    }
  }

  /** What `regsetup join <group>` does on the lab: docker and containerd, with the admin's credentials. */
  async function joinGroup(): Promise<void> {
    const r = await regsetup(['join', group(), '--ca-url', lab.caUrl, '--ca-fingerprint', lab.caFingerprint, '--username', 'admin', '--password-stdin', '--yes', '--json'], { env: sandbox.env, input: `${labUser('admin').password}\n` });
    expect(r.exitCode, r.stderr).toBe(0);
    expect((r.json.runtimes as Array<{ runtime: string }>).map((x) => x.runtime)).toEqual(expect.arrayContaining(['docker', 'containerd']));
  }

  /** Clean, as doctor's contract says: exit 0, no error left; and nothing at all of containerd's. */
  async function expectClean(): Promise<void> {
    const r = await doctor();
    expect(r.exitCode, show(r)).toBe(0);
    expect(errors(r.json.findings), show(r)).toEqual([]);
    expect(ours(r.json.findings), show(r)).toEqual([]);
  }

  beforeAll(async () => {
    lab = loadLab();
    backup = await backupHostState();
    sandbox = await credentialSandbox('regsetup-doctor-containerd-e2e-');
    defaultConfig = readFileSync(lab.containerd.configFile, 'utf8');
  });

  afterEach(async () => {
    // The lab's own config.toml first (a leave would put the trap back), then regsetup's files
    // undone (a leave may take config_path away again), then the lab's config.toml once more.
    const reset = async () => {
      if (readFileSync(lab.containerd.configFile, 'utf8') !== defaultConfig) await lab_('restart-containerd', '--reset');
    };
    await reset();
    if (existsSync(STATE) && JSON.parse(readFileSync(STATE, 'utf8')).registries?.[group()]) {
      const l = await regsetup(['leave', group(), '--yes', '--json'], { env: sandbox.env });
      expect(l.exitCode, l.stderr).toBe(0);
    }
    await reset();
    expect(await configPaths()).toEqual([CERTS]);
  });

  afterAll(async () => {
    await sandbox?.cleanup();
    if (backup) await restoreHostState(backup);
  });

  it('a hosts.toml regsetup wrote, broken by hand: doctor names file and line (exit 3); --fix --yes writes it anew through join\'s plan, no restart; CRI pulls a Docker Hub image through the mirror again; doctor is clean', async () => {
    await joinGroup();
    await expectClean();
    const good = readFileSync(HUB, 'utf8');
    writeFileSync(HUB, `${good}\n[host."https://broken.example.com"\n  capabilities = ["pull"]\n`);
    const pid = await containerdPid(lab);

    const r = await doctor();
    expect(r.exitCode, show(r)).toBe(3);
    expect(byId(r, 'containerd-hosts-toml-malformed')).toMatchObject({ severity: 'error', registry: 'docker.io', fixable: true, seen: expect.stringMatching(/docker\.io\/hosts\.toml is not valid TOML: .* at line \d+/) });
    expect(byId(r, 'containerd-hosts-toml-malformed')!.cause).toContain('failed to decode hosts.toml');
    expect(readFileSync(HUB, 'utf8')).not.toBe(good); // reported, not fixed

    const f = await doctor(['--fix', '--yes']);
    expect(f.exitCode, show(f)).toBe(0);
    expect(f.json.fixes as Fixed[]).toEqual(expect.arrayContaining([expect.objectContaining({ status: 'applied', findings: expect.arrayContaining(['containerd-hosts-toml-malformed@docker.io']) })]));
    expect(ours(f.json.recheck), show(f)).toEqual([]);
    expect(readFileSync(HUB, 'utf8')).toBe(good);
    expect(await containerdPid(lab)).toBe(pid);

    // As kubelet pulls: CRI, a Docker Hub short name, Docker Hub itself out of reach (the lab blackholes it).
    const c = cri();
    try {
      const ref = `docker.io/${lab.hubImages[1]}`;
      const had = await c.imageStatus(ref);
      await c.pullImage(ref);
      expect((await c.imageStatus(ref))?.repoDigests.join(' ')).toContain(lab.hubImageDigests[lab.hubImages[1]!]!);
      if (!had) await c.removeImage(ref);
    } finally {
      c.close();
    }
    await expectClean();
  });

  it('the deprecated mirrors trap: after a restart CRI does not load; doctor names the section with file:line (exit 3); --fix --yes moves it into hosts.toml and restarts containerd (a new pid); CRI is back with config_path', async () => {
    await joinGroup();
    writeFileSync(lab.containerd.configFile, `${defaultConfig}    [plugins."io.containerd.grpc.v1.cri".registry.mirrors."quay.io"]\n      endpoint = ["http://${lab.hosts.plain}"]\n`);
    await lab_('restart-containerd');
    const c = cri();
    await expect(c.version().finally(() => c.close())).rejects.toMatchObject({ code: 'ERR_CRI_UNIMPLEMENTED' });

    const r = await doctor();
    expect(r.exitCode, show(r)).toBe(3);
    expect(byId(r, 'containerd-cri-unavailable')).toMatchObject({ severity: 'error', cause: expect.stringContaining('`mirrors` cannot be set when `config_path` is provided') });
    expect(byId(r, 'containerd-deprecated-registry')).toMatchObject({ severity: 'error', fixable: true, seen: expect.stringMatching(new RegExp(`${lab.containerd.configFile.replace(/[.]/g, '\\.')}:\\d+: registry\\.mirrors\\."quay\\.io"`)) });

    const pid = await containerdPid(lab);
    const f = await doctor(['--fix', '--yes']);
    expect(f.exitCode, show(f)).toBe(0);
    expect(f.json.fixes as Fixed[]).toEqual(expect.arrayContaining([expect.objectContaining({ status: 'applied', findings: ['containerd-deprecated-registry@'] })]));
    expect(ours(f.json.recheck), show(f)).toEqual([]);
    expect(await containerdPid(lab)).not.toBe(pid);
    expect(readFileSync(lab.containerd.configFile, 'utf8')).not.toContain('registry.mirrors');
    expect(readFileSync(`${CERTS}/quay.io/hosts.toml`, 'utf8')).toContain(`[host."http://${lab.hosts.plain}"]`);
    expect(await configPaths()).toEqual([CERTS]);
    await expectClean();
  });

  it('config_path unset after a join: doctor names it as an error (exit 3); --fix --yes joins again, which sets it and restarts containerd once; doctor is clean', async () => {
    await joinGroup();
    writeFileSync(lab.containerd.configFile, defaultConfig.replace(/\n\s*\[plugins\."io\.containerd\.grpc\.v1\.cri"\.registry\]\n\s*config_path = "[^"]*"\n/, '\n'));
    await lab_('restart-containerd');
    expect(await configPaths()).toEqual([]);

    const r = await doctor();
    expect(r.exitCode, show(r)).toBe(3);
    expect(byId(r, 'containerd-config-path-unset')).toMatchObject({ severity: 'error', fixable: true, seen: `${lab.containerd.configFile} sets no config_path, and CRI Status shows none` });

    const pid = await containerdPid(lab);
    const f = await doctor(['--fix', '--yes']);
    expect(f.exitCode, show(f)).toBe(0);
    expect(f.json.fixes as Fixed[]).toEqual(expect.arrayContaining([expect.objectContaining({ status: 'applied', detail: expect.arrayContaining([expect.stringContaining("containerd (CRI): restarted")]) })]));
    expect(await containerdPid(lab)).not.toBe(pid);
    expect(readFileSync(lab.containerd.configFile, 'utf8')).toContain(`config_path = "${CERTS}"`);
    expect(await configPaths()).toEqual([CERTS]);
    await expectClean();
  });

  it('config_path set in config.toml while containerd runs without it: "not restarted" (exit 3); --fix --yes restarts it through its activation and confirms over CRI; doctor is clean', async () => {
    await joinGroup();
    writeFileSync(lab.containerd.configFile, defaultConfig.replace(/\n\s*\[plugins\."io\.containerd\.grpc\.v1\.cri"\.registry\]\n\s*config_path = "[^"]*"\n/, '\n'));
    await lab_('restart-containerd');
    writeFileSync(lab.containerd.configFile, defaultConfig);

    const r = await doctor();
    expect(r.exitCode, show(r)).toBe(3);
    expect(byId(r, 'containerd-not-restarted')).toMatchObject({ severity: 'error', fixable: true, seen: `${lab.containerd.configFile} sets config_path = "${CERTS}", the running containerd uses none (CRI Status)` });

    const pid = await containerdPid(lab);
    const f = await doctor(['--fix', '--yes']);
    expect(f.exitCode, show(f)).toBe(0);
    expect(f.json.fixes as Fixed[]).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'containerd-restart:containerd', status: 'applied' })]));
    expect(await containerdPid(lab)).not.toBe(pid);
    expect(readFileSync(lab.containerd.configFile, 'utf8')).toBe(defaultConfig);
    expect(await configPaths()).toEqual([CERTS]);
    await expectClean();
  });
});
