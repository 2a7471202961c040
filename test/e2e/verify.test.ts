// `regsetup verify` against the lab and a real dockerd: a host set up by hand passes, and each
// classic failure is caught with the right diagnosis. Leaves /etc/docker and ~/.docker as found.
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { regsetup } from './helpers/cli.js';
import {
  backupHostState,
  dockerdPid,
  installCa,
  labUser,
  loadLab,
  restoreHostState,
  setMirrors,
  sleep,
  tempDockerConfig,
  type HostStateBackup,
  type LabInfo,
  type TempDockerConfig,
} from './helpers/lab.js';

const labScript = fileURLToPath(new URL('../../scripts/lab.sh', import.meta.url));

type Step = { name: string; ok: boolean; skipped?: boolean; ms: number; seen?: string; cause?: string; fix?: string; diagnosis?: string; detail?: string };

const failed = (json: { steps: Step[] }) => json.steps.filter((s) => !s.ok);

/** Tags of a hosted repository, read with an admin token (curl, outside regsetup). */
async function hostedTags(lab: LabInfo, repo: string): Promise<string[]> {
  const admin = labUser('admin');
  const token = await execa('curl', ['-sf', '--cacert', lab.caFile, '-u', `${admin.username}:${admin.password}`,
    `${lab.token.realm}?service=${lab.token.service}&scope=repository:${repo}:pull`]);
  const res = await execa('curl', ['-s', '--cacert', lab.caFile, '-H', `Authorization: Bearer ${JSON.parse(token.stdout).token}`,
    `https://${lab.hosts.hosted}/v2/${repo}/tags/list`]);
  return (JSON.parse(res.stdout) as { tags?: string[] | null }).tags ?? [];
}

describe('regsetup verify (lab, real dockerd)', () => {
  let lab: LabInfo;
  let backup: HostStateBackup;
  let cfg: TempDockerConfig;
  const admin = () => labUser('admin');
  const verify = (registry: string, extra: string[] = [], input?: string) =>
    regsetup(['verify', registry, '--runtime', 'docker', '--json', ...extra], { input, env: cfg.env });
  const asAdmin = (registry: string, extra: string[] = []) =>
    verify(registry, ['--username', 'admin', '--password-stdin', ...extra], `${admin().password}\n`);

  beforeAll(async () => {
    lab = loadLab();
    backup = await backupHostState();
    cfg = await tempDockerConfig();
    // Set up by hand, as the blog posts say: the CA in certs.d and the group as a Docker Hub mirror.
    for (const host of [lab.hosts.group, lab.hosts.proxyOnly, lab.hosts.skew]) await installCa(host);
    await setMirrors([`https://${lab.hosts.group}`]);
  });

  afterAll(async () => {
    await cfg?.cleanup();
    if (backup) await restoreHostState(backup);
  });

  it('passes on a host configured by hand, and leaves no test tag behind', async () => {
    const before = await hostedTags(lab, 'regsetup/verify');
    const r = await asAdmin(lab.hosts.group);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.ok).toBe(true);
    expect(r.json.steps.length).toBeGreaterThanOrEqual(6);
    expect(r.json.steps.filter((s: Step) => !s.skipped).map((s: Step) => s.name)).toEqual(
      expect.arrayContaining(['reachability', 'tls', 'clock', 'registry-api', 'mirror-pull', 'push-roundtrip', 'daemon-config']),
    );
    for (const step of r.json.steps as Step[]) expect(step.ms).toBeGreaterThanOrEqual(0);
    expect(r.json.steps.find((s: Step) => s.name === 'push-roundtrip').detail).toContain('test tag deleted');
    expect(await hostedTags(lab, 'regsetup/verify')).toEqual(before);
    expect(r.stdout + r.stderr).not.toContain(admin().password);
  });

  it.each([
    ['the CA is missing', () => lab.hosts.hosted, [] as string[], 'tls', 'tls-unknown-authority'],
    ['a plain-HTTP registry not in insecure-registries', () => lab.hosts.plain, [], 'tls', 'http-response-to-https'],
    ['pushes routed to a proxy-only endpoint', () => lab.hosts.group, ['--push-registry', 'proxy-only.regsetup.test'], 'push-access', 'push-refused-by-group'],
  ])('diagnoses %s', async (_what, registry, extra, step, diagnosis) => {
    const r = await asAdmin(registry(), extra);
    expect(r.exitCode, r.stderr).toBe(3);
    expect(failed(r.json)[0]).toMatchObject({ name: step, diagnosis });
    expect(failed(r.json)[0]!.fix).toMatch(/\S/);
  });

  it('diagnoses a registry whose clock is hours off, with the size of the offset', async () => {
    const r = await asAdmin(lab.hosts.skew);
    expect(r.exitCode).toBe(3);
    const clock = failed(r.json).find((s) => s.name === 'clock');
    expect(clock).toMatchObject({ diagnosis: 'clock-skew' });
    expect(clock!.seen).toMatch(/\+(2h 59m|3h 0m)/);
    expect(r.stderr).toMatch(/timedatectl|chronyc/);
  });

  it('diagnoses wrong credentials, without echoing them', async () => {
    const r = await verify(lab.hosts.group, ['--username', 'admin', '--password-stdin'], 'not-the-password\n');
    expect(r.exitCode).toBe(3);
    expect(failed(r.json)[0]).toMatchObject({ name: 'registry-api', diagnosis: 'wrong-credentials' });
    expect(r.stdout + r.stderr).not.toContain('not-the-password');
  });

  it('diagnoses a stopped daemon', async () => {
    // Really stopped when the lab runs dockerd (CI); a daemon the lab did not start is not ours to stop,
    // and then an empty socket path stands in for it (the client sees the same ENOENT).
    const stopped = lab.dockerdStartedByLab;
    if (stopped) {
      const pid = await dockerdPid();
      process.kill(pid, 'SIGTERM');
      // Gone, not just deaf: a dockerd still shutting down holds its pid file and the next one would refuse to start.
      const gone = () => !existsSync(`/proc/${pid}/stat`) || readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z';
      while (!gone()) await sleep(100);
    }
    try {
      const r = await asAdmin(lab.hosts.group, stopped ? [] : ['--docker-host', 'unix:///run/regsetup-test-no-dockerd.sock']);
      expect(r.exitCode).toBe(3);
      const mirror = failed(r.json).find((s) => s.name === 'mirror-pull');
      expect(mirror).toMatchObject({ diagnosis: 'daemon-unreachable' });
      expect(mirror!.seen).toContain('Cannot connect to the Docker daemon');
      expect(mirror!.fix).toMatch(/start/i);
    } finally {
      if (stopped) await execa('bash', [labScript, 'up']);
    }
  });
});
