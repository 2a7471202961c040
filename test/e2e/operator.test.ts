// The operator's side against the lab (issue 15): the CA pins a bootstrap script gives (the
// kubeadm public-key hash, several pins, a CA file without one), the hidden password prompt on a
// real terminal (tmux) checked by the lab registry itself, and regsetup as a real unprivileged
// user (nobody, through setpriv) in front of the lab's dockerd and root's files. Every command
// here is a `plan` or a refusal: nothing on the host changes, which the last test checks.
import { execa } from 'execa';
import { X509Certificate, createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffManifests, manifest, type Entry } from './helpers/host-snapshot.js';
import { regsetup, regsetupCommand } from './helpers/cli.js';
import { labUser, loadLab, sleep } from './helpers/lab.js';
import { pane, waitForPane } from './helpers/tmux.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const STATE_DIR = '/var/lib/regsetup';
const WATCHED = ['/etc/docker', STATE_DIR, '/etc/containerd', '/etc/containers'];

describe('the operator at the command line (lab)', () => {
  const lab = loadLab();
  const group = lab.hosts.group;
  const admin = labUser('admin');
  const caPem = readFileSync(lab.caFile, 'utf8');
  const spki = `sha256:${createHash('sha256').update(new X509Certificate(caPem).publicKey.export({ type: 'spki', format: 'der' })).digest('hex')}`;
  const plan = (...extra: string[]) => ['plan', group, '--runtime', 'docker', '--mirror', 'none', ...extra];
  let before: Entry[];
  let madeStateDir = false;

  beforeAll(async () => {
    // Root's journal directory as a join leaves it (0700), so what nobody is refused is certain.
    if (!existsSync(STATE_DIR)) {
      await mkdir(STATE_DIR, { mode: 0o700 });
      madeStateDir = true;
    }
    before = await manifest(WATCHED);
  });

  afterAll(async () => {
    if (madeStateDir) await rmdir(STATE_DIR).catch(() => undefined);
  });

  describe('CA pins', () => {
    it("takes kubeadm's form of the pin, the SHA-256 of the lab CA's public key, and says that this pin matched", async () => {
      const r = await regsetup([...plan('--ca-url', lab.caUrl, '--ca-fingerprint', spki), '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.json.ca).toMatchObject({ source: 'url', fingerprint: lab.caFingerprint, pin: spki, pinForm: 'public-key' });
      expect(r.stderr).toContain(`CA for ${group} (url, matches the public key (SPKI) pin)`);
    });

    it('takes several pins, any match accepting (a rotation), and names the one that matched', async () => {
      const other = `sha256:${'ab'.repeat(32)}`;
      const r = await regsetup([...plan('--ca-url', lab.caUrl, '--ca-fingerprint', other, '--ca-fingerprint', lab.caFingerprint), '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.json.ca).toMatchObject({ pin: lab.caFingerprint, pinForm: 'certificate' });
    });

    it('trusts a --ca-file without a pin, with nobody to ask (no terminal, no --yes)', async () => {
      const r = await regsetup([...plan('--ca-file', lab.caFile), '--json']);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.json.ca).toMatchObject({ source: 'file', fingerprint: lab.caFingerprint, pin: null, pinForm: null });
      expect(r.stderr).toContain(`CA for ${group} (file, from the file given)`);
    });

    it('checks the pin of a --ca-file when one is given', async () => {
      const r = await regsetup([...plan('--ca-file', lab.caFile, '--ca-fingerprint', `sha256:${'cd'.repeat(32)}`), '--json']);
      expect(r.exitCode).toBe(4);
      expect(r.json.error.code).toBe('ERR_CA_PIN_MISMATCH');
    });

    it('refuses an unpinned CA from --ca-url with nobody to ask, naming the pin to give (exit 4)', async () => {
      const r = await regsetup([...plan('--ca-url', lab.caUrl), '--json']);
      expect(r.exitCode).toBe(4);
      expect(r.json.error).toMatchObject({ code: 'ERR_CA_UNPINNED' });
      expect(r.json.error.hint).toContain(`--ca-fingerprint ${lab.caFingerprint}`);
    });
  });

  describe('the password prompt on a terminal (tmux)', () => {
    const session = `regsetup-operator-${process.pid}`;
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'regsetup-operator-'));
    });
    afterAll(async () => {
      await execa('tmux', ['kill-session', '-t', session], { reject: false });
      await rm(dir, { recursive: true, force: true });
    });

    async function typed(password: string): Promise<{ screen: string; rc: string }> {
      await rm(join(dir, 'rc'), { force: true });
      const command = `cd ${repo} && /usr/bin/env PATH=/usr/bin:/bin TERM=xterm ${regsetupCommand().join(' ')} ${plan('--ca-file', lab.caFile, '--username', 'admin').join(' ')}; echo $? > ${dir}/rc; sleep 60`;
      await writeFile(join(dir, 'cmd.sh'), `${command}\n`);
      await execa('tmux', ['kill-session', '-t', session], { reject: false });
      await execa('tmux', ['new-session', '-d', '-s', session, '-x', '200', '-y', '50', `bash ${dir}/cmd.sh`]);
      await waitForPane(session, /Password for admin:/);
      await execa('tmux', ['send-keys', '-t', session, '-l', password]);
      await sleep(300);
      expect(await pane(session)).not.toContain(password);
      await execa('tmux', ['send-keys', '-t', session, 'Enter']);
      const deadline = Date.now() + 90_000;
      while (!existsSync(join(dir, 'rc')) && Date.now() < deadline) await sleep(200);
      return { screen: await pane(session), rc: (await readFile(join(dir, 'rc'), 'utf8')).trim() };
    }

    it('asks with hidden input; the lab registry accepts what was typed and the plan is printed', async () => {
      const { screen, rc } = await typed(admin.password);
      expect(rc).toBe('0');
      expect(screen).toContain(`CA for ${group} (file, from the file given)`);
      expect(screen).toMatch(/dockerd: (reload|restart|no reload or restart)|already up to date/);
      expect(screen).not.toContain(admin.password);
    });

    it('a wrong password typed there is refused by the registry (exit 2), and not shown', async () => {
      const wrong = 'Not-The-Password-77';
      const { screen, rc } = await typed(wrong);
      expect(rc).toBe('2');
      expect(screen).toContain('ERR_AUTH_REJECTED');
      expect(screen).not.toContain(wrong);
    });
  });

  describe('as an unprivileged user (nobody) on the lab host', () => {
    async function asNobody(...args: string[]) {
      const r = await execa('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '/usr/bin/env', '-i', 'PATH=/usr/bin:/bin', 'HOME=/nonexistent', 'TERM=dumb', ...regsetupCommand(), ...args], { reject: false, timeout: 120_000 });
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
    }
    const socket = () => {
      const st = statSync(lab.dockerSocket);
      return `cannot connect to ${lab.dockerSocket}: owned by uid ${st.uid} (gid ${st.gid}), mode 0${(st.mode & 0o777).toString(8)}`;
    };

    it("status names root's journal directory it cannot enter, and why (exit 4)", async () => {
      const r = await asNobody('status', '--json');
      expect(r.exitCode, r.stderr).toBe(4);
      const error = JSON.parse(r.stdout).error;
      expect(error.code).toBe('ERR_PERMISSION');
      expect(error.message).toContain(`${STATE_DIR} cannot be entered: owned by uid 0 (gid 0), mode 0700`);
      expect(error.hint).toContain('uid 65534');
    });

    it("verify names the lab dockerd's socket it may not open (exit 4), not \"is the daemon running?\"", async () => {
      const r = await asNobody('verify', group);
      expect(r.exitCode, r.stderr).toBe(4);
      expect(r.stderr).toContain(socket());
      expect(r.stderr).not.toContain('Is the docker daemon running');
    });

    it('join names every path it would write and the socket, before anything else (exit 4)', async () => {
      const r = await asNobody('join', group, '--ca-file', lab.caFile, '--yes');
      expect(r.exitCode, r.stderr).toBe(4);
      for (const p of [socket(), '/etc/docker', 'daemon.json there', STATE_DIR]) expect(r.stderr).toContain(p);
      expect(r.stderr).not.toMatch(/ERR_UNEXPECTED|EACCES/);
    });
  });

  it('changed nothing on the host', async () => {
    expect(diffManifests(before, await manifest(WATCHED))).toEqual([]);
  });
});
