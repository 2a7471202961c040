// Proof that the lab's other runtimes behave as on real hosts: containerd with CRI (and restartable
// the way a CRI client would), podman, a rootless dockerd, fleet nodes with ansible, CA rotation,
// and Docker Hub's names leading nowhere. Only the real tools, no regsetup code.
import { execa } from 'execa';
import { X509Certificate } from 'node:crypto';
import { spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { existsSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerBin, loadLab, reloadLab, sleep, type LabInfo } from './helpers/lab.js';

const labScript = fileURLToPath(new URL('../../scripts/lab.sh', import.meta.url));
const lab = (...args: string[]) => execa('bash', [labScript, ...args]);
const HUB_IMAGE = 'library/hello-world:latest';
const pemCount = (text: string) => (text.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
const fingerprint = (pem: string) => `sha256:${new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase()}`;
const curl = (args: string[]) => execa('curl', ['--noproxy', '*', '-s', '--max-time', '5', ...args], { reject: false });

describe('the lab runtimes', () => {
  let info: LabInfo;
  beforeAll(() => {
    info = loadLab();
  });

  it("Docker Hub's names point at 127.0.0.9, where the connection is refused", async () => {
    for (const name of info.dockerHubBlackhole.names) expect((await lookup(name, { family: 4 })).address).toBe('127.0.0.9');
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const s = connect(443, 'registry-1.docker.io');
      s.once('connect', () => resolve(Object.assign(new Error('connected'), { code: 'CONNECTED' })));
      s.once('error', resolve);
    });
    expect(err.code).toBe('ECONNREFUSED');
  });

  describe('containerd', () => {
    const ctr = (...args: string[]) => execa('ctr', ['--address', info.containerd.socket, ...args]);
    const criStatus = async () => (await ctr('plugins', 'ls')).stdout.split('\n').find((l) => /^io\.containerd\.grpc\.v1\s+cri\s/.test(l))?.trim().split(/\s+/).pop();
    afterAll(async () => {
      await lab('restart-containerd', '--reset');
    });

    it('runs with the CRI plugin loaded, config_path set, on the standard socket, shared with dockerd', async () => {
      expect(info.containerd.socket).toBe('/run/containerd/containerd.sock');
      expect(await criStatus()).toBe('ok');
      expect(readFileSync(info.containerd.configFile, 'utf8')).toContain('config_path = "/etc/containerd/certs.d"');
      const dockerd = readFileSync(`/proc/${readFileSync(loadLab().dockerdPidFile!, 'utf8').trim()}/cmdline`, 'utf8');
      expect(dockerd).toContain(`--containerd=${info.containerd.socket}`);
    });

    it('with mirrors next to config_path the CRI plugin fails to load; --reset brings it back', async () => {
      const cfg = readFileSync(info.containerd.configFile, 'utf8');
      await writeFile(info.containerd.configFile, `${cfg}    [plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\n      endpoint = ["https://${info.hosts.group}"]\n`);
      await lab('restart-containerd');
      expect(await criStatus()).toBe('error');
      expect(reloadLab().containerd.criPlugin).toBe('error');
      await lab('restart-containerd', '--reset');
      expect(await criStatus()).toBe('ok');
    });

    it('restarted the way a CRI client would (argv, environ, cwd, log from /proc), the lab still finds and restarts it', async () => {
      const pid = reloadLab().containerd.pid!;
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const env = Object.fromEntries(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      const logFile = readlinkSync(`/proc/${pid}/fd/1`);
      expect(logFile).toBe(info.containerd.logFile);
      process.kill(pid, 'SIGTERM');
      while (existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')) await sleep(50);
      const out = openSync(logFile, 'a');
      spawn(argv[0]!, argv.slice(1), { cwd, env, detached: true, stdio: ['ignore', out, out] }).unref();
      let status = '';
      for (let i = 0; i < 100 && !/answering on/.test(status); i++) {
        await sleep(100);
        status = (await lab('status').catch((e: { stdout: string }) => e)).stdout;
      }
      expect(status).toMatch(/containerd: .* pid \d+, answering on/);
      await lab('restart-containerd');
      expect(await criStatus()).toBe('ok');
      expect(reloadLab().containerd.pid).not.toBe(pid);
    });
  });

  it('podman pulls from the lab with the CA in /etc/containers/certs.d', async () => {
    const dir = `/etc/containers/certs.d/${info.hosts.hub}`;
    await mkdir(dir, { recursive: true });
    await copyFile(info.caFile, join(dir, 'ca.crt'));
    try {
      const ref = `${info.hosts.hub}/${HUB_IMAGE}`;
      const pull = await execa('podman', ['pull', '--quiet', ref], { reject: false });
      expect(pull.exitCode, pull.stderr).toBe(0);
      await execa('podman', ['rmi', '-f', ref], { reject: false });
    } finally {
      await rm('/etc/containers/certs.d', { recursive: true, force: true });
    }
  });

  it('the rootless dockerd runs as its user and pulls from the lab with the CA in ~/.config/docker/certs.d', async () => {
    const rl = info.rootless!;
    const docker = (...args: string[]) => execa(dockerBin, ['-H', rl.dockerHost, ...args], { reject: false });
    expect((await docker('info', '--format', '{{json .SecurityOptions}}')).stdout).toContain('rootless');
    expect(readFileSync(`/proc/${rl.dockerdPid}/status`, 'utf8')).toMatch(new RegExp(`^Uid:\\s+${rl.uid}\\s`, 'm'));
    const dir = join(rl.configDir, 'certs.d', info.hosts.hub);
    await mkdir(dir, { recursive: true });
    await copyFile(info.caFile, join(dir, 'ca.crt'));
    try {
      const pull = await docker('pull', `${info.hosts.hub}/${HUB_IMAGE}`);
      expect(pull.exitCode, pull.stderr).toBe(0);
      await docker('rmi', `${info.hosts.hub}/${HUB_IMAGE}`);
    } finally {
      await rm(join(rl.configDir, 'certs.d'), { recursive: true, force: true });
    }
  });

  describe('fleet nodes', () => {
    let started = false;
    beforeAll(async () => {
      if (reloadLab().nodes.length < 2) {
        await lab('nodes', 'up', '2');
        started = true;
      }
      info = reloadLab();
    }, 180_000);
    afterAll(async () => {
      if (started) await lab('nodes', 'down');
      info = reloadLab();
    }, 120_000);

    it('answer ansible over ssh, each with its own dockerd, /proc and private /etc/regsetup', async () => {
      const a = info.ansible!;
      const ping = await execa('ansible', ['all', '-i', a.inventory, '-m', 'ping', '-o'], { env: { ANSIBLE_CONFIG: a.config }, reject: false });
      expect(ping.exitCode, ping.stdout + ping.stderr).toBe(0);
      const ids = new Set<string>();
      for (const n of info.nodes) ids.add((await execa(dockerBin, ['-H', `unix://${n.dockerSocket}`, 'info', '--format', '{{.ID}}'])).stdout);
      expect(ids.size).toBe(info.nodes.length);
      const ssh = await execa('ansible', [info.nodes[0]!.name, '-i', a.inventory, '-m', 'shell', '-a', 'ps -e -o comm= | grep -cx dockerd; hostname; mkdir -p /etc/regsetup/e2e; docker info | grep -E "^ Name:"'], { env: { ANSIBLE_CONFIG: a.config } });
      expect(ssh.stdout).toMatch(new RegExp(`\\n1\\n${info.nodes[0]!.name}\\n Name: ${info.nodes[0]!.name}`));
      expect(existsSync('/etc/regsetup/e2e')).toBe(false);
      expect(existsSync(join(info.nodes[0]!.fsDir, 'etc/regsetup/e2e'))).toBe(true);
    });
  });

  describe('CA rotation on rotate', () => {
    const caUrl = () => info.rotate.caUrl;
    afterAll(async () => {
      await lab('rotate-ca', 'reset');
      info = reloadLab();
    });

    it('stage serves CA1+CA2, switch moves the certificate to CA2, finish serves CA2 only, reset goes back', async () => {
      await lab('rotate-ca', 'stage');
      info = reloadLab();
      expect(info.rotate.phase).toBe('staged');
      const bundle = (await curl(['--cacert', info.caFile, caUrl()])).stdout;
      expect(pemCount(bundle)).toBe(2);
      expect(info.ca2Fingerprint).toBe(fingerprint(await readFile(info.ca2File!, 'utf8')));

      await lab('rotate-ca', 'switch');
      info = reloadLab();
      expect((await curl(['-o', '/dev/null', '-w', '%{http_code}', '--cacert', info.ca2File!, `https://${info.hosts.rotate}/v2/`])).stdout).toBe('401');
      expect((await curl(['--cacert', info.caFile, `https://${info.hosts.rotate}/v2/`])).exitCode).not.toBe(0);

      await lab('rotate-ca', 'finish');
      info = reloadLab();
      const only = (await curl(['--cacert', info.ca2File!, caUrl()])).stdout;
      expect(pemCount(only)).toBe(1);
      expect(fingerprint(only)).toBe(info.ca2Fingerprint);

      await lab('rotate-ca', 'reset');
      info = reloadLab();
      expect(info).toMatchObject({ ca2File: null, rotate: { phase: 'ca1' } });
      expect(fingerprint((await curl(['--cacert', info.caFile, caUrl()])).stdout)).toBe(info.caFingerprint);
    });
  });
});
