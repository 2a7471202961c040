// Proof that the lab behaves like the field: only the real docker CLI and dockerd, no regsetup code.
// Needs `sudo bash scripts/lab.sh up` first. Leaves daemon.json, certs.d and ~/.docker as found.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  backupHostState,
  buildTestImage,
  daemonRegistryConfig,
  docker,
  dockerLogin,
  installCa,
  loadLab,
  normalizeMirror,
  removeCertsDir,
  removeImages,
  repoDigests,
  restoreHostState,
  setMirrors,
  tempDockerConfig,
  uniqueTag,
  type HostStateBackup,
  type LabInfo,
  type TempDockerConfig,
} from './helpers/lab.js';

describe('regsetup lab (real docker CLI against the lab registries)', () => {
  let lab: LabInfo;
  let backup: HostStateBackup;
  let cfg: TempDockerConfig;
  const createdImages: string[] = [];

  beforeAll(async () => {
    lab = loadLab();
    backup = await backupHostState();
    cfg = await tempDockerConfig();
  });

  afterAll(async () => {
    await removeImages(...createdImages);
    await cfg?.cleanup();
    if (backup) {
      await restoreHostState(backup);
      const now = await daemonRegistryConfig();
      expect(now.mirrors.map(normalizeMirror)).toEqual(backup.effective.mirrors.map(normalizeMirror));
    }
  });

  it('describes itself: CA file matches its fingerprint, hosts and users are present', () => {
    const ca = new X509Certificate(readFileSync(lab.caFile));
    expect(ca.ca).toBe(true);
    expect(lab.caFingerprint).toBe(`sha256:${ca.fingerprint256.replace(/:/g, '').toLowerCase()}`);
    expect(lab.caFingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const key of ['group', 'proxyOnly', 'hosted', 'basic', 'plain', 'hub', 'proxy', 'skew'] as const) {
      expect(lab.hosts[key]).toMatch(/\.regsetup\.test(:\d+)?$/);
    }
    expect(lab.hosts.plain).toMatch(/:5000$/);
    expect(lab.users.admin?.push).toBe(true);
    expect(lab.hubImages).toContain('library/hello-world:latest');
  });

  it('without the CA, a pull from the group fails with an unknown-authority error', async () => {
    await removeCertsDir(lab.hosts.group);
    const r = await docker(['pull', `${lab.hosts.group}/library/hello-world:latest`], { reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.output).toMatch(/certificate signed by unknown authority/);
  });

  it('with the CA and the group as registry mirror, `docker pull hello-world` is served by the group', async () => {
    await installCa(lab.hosts.group);
    const mirror = `https://${lab.hosts.group}`;
    const effective = await setMirrors([mirror]);
    expect(effective.mirrors.map(normalizeMirror)).toEqual([mirror]);
    const info = await docker(['info', '--format', '{{json .RegistryConfig.Mirrors}}']);
    expect((JSON.parse(info.stdout) as string[]).map(normalizeMirror)).toEqual([mirror]);

    createdImages.push('hello-world:latest');
    await removeImages('hello-world:latest');
    const pull = await docker(['pull', 'hello-world']);
    // No internet here: only the lab's hub (through group → proxy) has this digest.
    expect(pull.output).toContain(`Digest: ${lab.hubImageDigests['library/hello-world:latest']}`);
    const run = await docker(['run', '--rm', '--network', 'none', 'hello-world']);
    expect(run.stdout).toContain('Hello from the regsetup lab');
  });

  it('a wrong password is refused by the group login', async () => {
    const other = await tempDockerConfig();
    try {
      const r = await docker(['login', lab.hosts.group, '--username', 'admin', '--password-stdin'], {
        input: 'definitely-not-the-password\n',
        env: other.env,
        reject: false,
      });
      expect(r.exitCode).not.toBe(0);
      expect(r.output).toMatch(/unauthorized|authentication failed/i);
    } finally {
      await other.cleanup();
    }
  });

  it('login + push to the group, then the image pulls back with the same digest', async () => {
    await installCa(lab.hosts.group);
    const login = await dockerLogin(lab.hosts.group, cfg);
    expect(login.output).toContain('Login Succeeded');

    const ref = `${lab.hosts.group}/e2e/lab:${uniqueTag()}`;
    createdImages.push(ref);
    await buildTestImage(ref);
    const push = await docker(['push', ref], { env: cfg.env });
    const pushed = /digest: (sha256:[0-9a-f]{64})/.exec(push.output)?.[1];
    expect(pushed).toBeDefined();

    await docker(['rmi', ref]);
    await docker(['pull', ref], { env: cfg.env });
    const repo = ref.slice(0, ref.lastIndexOf(':'));
    expect(await repoDigests(ref)).toContain(`${repo}@${pushed}`);
  });

  it(
    'a push to proxy-only fails (a pull-through proxy takes no pushes)',
    async () => {
      await installCa(lab.hosts.proxyOnly); // so the failure is the push itself, not TLS
      await dockerLogin(lab.hosts.proxyOnly, cfg, 'admin', { reject: false }); // anonymous /v2/ 200: nothing to log into
      const ref = `${lab.hosts.proxyOnly}/e2e/lab:${uniqueTag()}`;
      createdImages.push(ref);
      await buildTestImage(ref);
      // dockerd 20.10 retries the refused upload 5 times (5+10+15+20 s back-off) before giving up.
      const push = await docker(['push', ref], { env: cfg.env, reject: false, timeoutMs: 150_000 });
      expect(push.exitCode).not.toBe(0);
      expect(push.output).toMatch(/unsupported/i);
    },
    180_000,
  );
});
