import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// bin/regsetup as a user runs it, on this test's Node (dist/ is built by test/build-dist.ts).
const node = process.execPath;
const bin = resolve('bin/regsetup');
const env = () => {
  const e: NodeJS.ProcessEnv = { ...process.env, REGSETUP_DEBUG: '' };
  delete e.CI;
  return e;
};

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'regsetup-process-'));
  await chmod(tmp, 0o755);
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** Runs regsetup with stdout into a pipe whose reading end is closed before anything is written. */
function closedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(node, [bin, ...args], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stderr }));
  });
}

describe('a closed stdout', { timeout: 120_000 }, () => {
  it('ends --help quietly with exit 0, 20 times out of 20', async () => {
    const runs = await Promise.all(Array.from({ length: 20 }, () => closedStdout(['--help'])));
    for (const r of runs) expect(r).toEqual({ code: 0, stderr: '' });
  });

  it('ends `--help | head -1` quietly, 20 times out of 20', () => {
    for (let i = 0; i < 20; i++) {
      const r = spawnSync('bash', ['-c', `"${node}" "${bin}" --help 2>"${tmp}/err" | head -1 >/dev/null; echo "\${PIPESTATUS[0]}"; cat "${tmp}/err"`], { env: env(), encoding: 'utf8' });
      expect(r.stdout).toBe('0\n');
    }
  });

  it('ends `status | true` with the command\'s own exit code and no stack trace', async () => {
    const root = join(tmp, 'empty-root');
    await mkdir(root, { recursive: true });
    const runs = await Promise.all(Array.from({ length: 10 }, () => closedStdout(['status', '--root', root])));
    for (const r of runs) expect(r).toEqual({ code: 0, stderr: '' });
  });
});

describe('progress on a terminal', { timeout: 60_000 }, () => {
  let server: Server;
  let port: number;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // Accepts and says nothing: the tls step runs until the run is stopped after a few seconds.
    server = createServer((socket) => {
      sockets.add(socket.on('error', () => undefined).on('close', () => sockets.delete(socket)));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    port = (server.address() as { port: number }).port;
  });
  // A run stopped by its timeout may leave its connection to be noticed late: close them all.
  afterAll(() => new Promise<void>((ok) => (server.close(() => ok()), sockets.forEach((s) => s.destroy()))));

  const verify = () => [bin, 'verify', `127.0.0.1:${port}`, '--docker-host', `unix://${tmp}/no-docker.sock`];

  it('shows the running step with a spinner and its elapsed time under a pseudo-terminal', () => {
    const command = [node, ...verify()].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qfec', command, '/dev/null'], { env: { ...env(), TERM: 'xterm' }, encoding: 'utf8', timeout: 6000 });
    // The frame, maybe coloured, then the step and its elapsed seconds.
    const frames = r.stdout.replace(new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g'), '');
    expect(frames).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] tls \([1-9]\d* s\)/);
    expect(r.stdout).toContain('✓ reachability');
  });

  // A host tree with podman only (an executable file is "installed"): plan goes straight to the
  // preflight, whose CA fetch from the silent server runs until the run is stopped.
  const planFetch = async () => {
    const root = join(tmp, 'podman-root');
    await mkdir(join(root, 'usr/bin'), { recursive: true });
    await writeFile(join(root, 'usr/bin/podman'), '#!/bin/sh\n', { mode: 0o755 });
    return [bin, 'plan', `127.0.0.1:${port}`, '--runtime', 'podman', '--ca-url', `https://127.0.0.1:${port}/ca.crt`, '--root', root, '--docker-host', `unix://${tmp}/no-docker.sock`];
  };

  it('shows the CA fetch of a join\'s preflight with its elapsed time under a pseudo-terminal, nothing on a pipe', async () => {
    const args = await planFetch();
    const r = spawnSync('script', ['-qfec', [node, ...args].map((a) => `'${a}'`).join(' '), '/dev/null'], { env: { ...env(), TERM: 'xterm' }, encoding: 'utf8', timeout: 8000 });
    const frames = r.stdout.replace(new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g'), '');
    expect(frames).toMatch(new RegExp(`[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] fetching the CA from https://127\\.0\\.0\\.1:${port}/ca\\.crt \\([1-9]\\d* s\\)`));
    const piped = spawnSync(node, args, { env: { ...env(), TERM: 'xterm' }, encoding: 'utf8', timeout: 5000 });
    expect(piped.stdout + piped.stderr).not.toContain('\u001b');
    expect(piped.stdout + piped.stderr).not.toContain('fetching the CA');
  });

  it.each([
    ['a pipe', {}],
    ['a terminal with TERM=dumb', { TERM: 'dumb' }],
  ])('writes no escape code at all to %s', (how, extra) => {
    const viaScript = how !== 'a pipe';
    const r = viaScript
      ? spawnSync('script', ['-qfec', [node, ...verify()].map((a) => `'${a}'`).join(' '), '/dev/null'], { env: { ...env(), ...extra }, encoding: 'utf8', timeout: 6000 })
      : spawnSync(node, verify(), { env: { ...env(), TERM: 'xterm' }, encoding: 'utf8', timeout: 6000 });
    expect(r.stdout + r.stderr).toContain('✓ reachability');
    expect(r.stdout + r.stderr).not.toContain('\u001b');
  });
});
