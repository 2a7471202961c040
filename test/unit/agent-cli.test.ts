import { execa, type ResultPromise } from 'execa';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonDocument } from '../json-documents.js';
import { bin, ensureBuilt } from './helpers/built-cli.js';

// The real CLI, as systemd would start it, on a scratch root: no daemon is needed for these.
const node = process.execPath;
let root: string;
const env = () => ({ DOCKER_HOST: `unix://${root}/no-docker.sock`, REGSETUP_DEBUG: '', HOME: join(root, 'home') });
const cli = (args: string[], timeout = 30_000) => execa(node, [bin('regsetup'), ...args, '--root', root], { env: env(), reject: false, timeout });

async function until<T>(fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  await ensureBuilt();
  root = await mkdtemp(join(tmpdir(), 'regsetup-agent-cli-'));
  await mkdir(join(root, 'etc/regsetup'), { recursive: true });
}, 120_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe('regsetup agent (the built CLI)', () => {
  it('--once refuses a group-readable password file (exit 4) and logs no secret', async () => {
    await writeFile(join(root, 'etc/regsetup/pw'), 'hunter2-secret\n');
    await chmod(join(root, 'etc/regsetup/pw'), 0o640);
    await writeFile(join(root, 'etc/regsetup/regsetup.yaml'), 'version: 1\nregistries:\n  - registry: 127.0.0.1:9\n    credentials: {username: ci, passwordFile: /etc/regsetup/pw}\n');
    const r = await cli(['agent', '--once', '--json']);
    expect(r.exitCode).toBe(4);
    // stdout is the one document (the log lines go to stderr under --json).
    expect(jsonDocument(r.stdout)).toMatchObject({ command: 'agent', changed: false, ok: false, findings: [expect.objectContaining({ code: 'ERR_PASSWORD_FILE_TOO_OPEN' })] });
    expect(r.stdout + r.stderr).not.toContain('hunter2-secret');
  });

  it('runs as one instance, answers on its socket, keeps its config on a bad SIGHUP, and exits 0 on SIGTERM', async () => {
    await writeFile(join(root, 'etc/regsetup/regsetup.yaml'), 'version: 1\nagent:\n  interval: 1h\nregistries: []\n');
    const agent: ResultPromise = execa(node, [bin('regsetup'), 'agent', '--root', root], { env: env(), reject: false });
    let out = '';
    agent.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    try {
      await until(async () => (out.includes('agent started') ? true : undefined));
      const status = await until(async () => {
        const s = await cli(['agent', 'status', '--json']);
        return s.exitCode === 0 ? s : undefined;
      });
      expect(jsonDocument(status.stdout)).toMatchObject({ command: 'agent status', changed: false, ok: true, pid: agent.pid, registries: [] });
      expect(((await import('node:fs')).statSync(join(root, 'run/regsetup/agent.sock')).mode & 0o777).toString(8)).toBe('660');

      const second = await cli(['agent']);
      expect(second.exitCode).toBe(2);
      expect(second.stderr).toContain(`pid ${agent.pid}`);

      await writeFile(join(root, 'etc/regsetup/regsetup.yaml'), 'version: 1\nregistries:\n  - registry: a.example\n    nope: 1\n');
      agent.kill('SIGHUP');
      await until(async () => (out.includes('keeping the previous one') ? true : undefined));
      const line = JSON.parse(out.split('\n').find((l) => l.includes('keeping the previous one'))!);
      expect(line).toMatchObject({ level: 50, error: expect.stringContaining('regsetup.yaml:4:5: registries.0.nope: unknown key "nope"') });

      const t = Date.now();
      agent.kill('SIGTERM');
      const done = await agent;
      expect(done.exitCode).toBe(0);
      expect(Date.now() - t).toBeLessThan(10_000);
      expect(existsSync(join(root, 'run/regsetup/agent.pid'))).toBe(false);
      expect(out).toContain('agent stopped');
      for (const l of out.split('\n').filter(Boolean)) JSON.parse(l); // one JSON object a line
    } finally {
      agent.kill('SIGKILL');
    }
  }, 60_000);

  it('agent status without an agent: exit 4', async () => {
    expect((await cli(['agent', 'status'])).exitCode).toBe(4);
  });

  it('install writes the hardened unit under --root (no systemctl off the real host); uninstall removes it', async () => {
    const r = await cli(['agent', 'install', '--config', '/etc/regsetup/regsetup.yaml']);
    expect(r.exitCode).toBe(0);
    const unit = await readFile(join(root, 'etc/systemd/system/regsetup-agent.service'), 'utf8');
    expect(unit).toContain('Type=notify');
    expect(unit).toContain('Restart=on-failure');
    expect(unit).toContain('ProtectSystem=strict');
    expect(unit).toContain('NoNewPrivileges=yes');
    expect(unit).toMatch(/ReadWritePaths=.*-\/etc\/docker .*-\/var\/lib\/regsetup/);
    expect(unit).toContain(`ExecStart=${node} --max-semi-space-size=1 ${bin('regsetup')} agent --config /etc/regsetup/regsetup.yaml`);
    expect((await cli(['agent', 'uninstall'])).exitCode).toBe(0);
    expect(existsSync(join(root, 'etc/systemd/system/regsetup-agent.service'))).toBe(false);
  });
});
