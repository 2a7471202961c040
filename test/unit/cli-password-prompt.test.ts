import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A real terminal, driven by tmux: `regsetup login --username u` with no password source asks
// for it with hidden input, then goes on to the daemon (absent here) with what was typed.
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const session = `regsetup-pw-${process.pid}`;
const typed = 'Typed-Secret-93';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regsetup-prompt-'));
});
afterAll(async () => {
  try {
    tmux('kill-session', '-t', session);
  } catch {
    // already gone
  }
  await rm(dir, { recursive: true, force: true });
});

const screen = () => tmux('capture-pane', '-p', '-t', session, '-S', '-100');

async function waitFor(what: RegExp, ms = 15_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const text = screen();
    if (what.test(text)) return text;
    if (Date.now() > end) throw new Error(`never saw ${what} on the screen:\n${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the password prompt on a terminal', { timeout: 60_000 }, () => {
  it('hides what is typed, and the command goes on with it', async () => {
    const env = [`HOME=${dir}`, 'TERM=xterm', `REGSETUP_CREDENTIALS_DIR=${dir}/store`, `REGSETUP_CREDENTIALS_KEY_DIR=${dir}/key`, 'REGSETUP_CREDENTIALS_KEY_PROTECTION=file', `DOCKER_CONFIG=${dir}/docker`];
    const command = `env ${env.join(' ')} '${process.execPath}' '${resolve('bin/regsetup')}' login x.invalid --username u --docker-host unix://${dir}/docker.sock; echo "exit=$?" > '${dir}/exit'; sleep 60`;
    tmux('new-session', '-d', '-s', session, '-x', '150', '-y', '40', command);
    await waitFor(/Password for u:/);
    tmux('send-keys', '-t', session, '-l', typed);
    await new Promise((r) => setTimeout(r, 300));
    expect(screen()).not.toContain(typed);
    tmux('send-keys', '-t', session, 'Enter');
    const after = await waitFor(/ERR_DOCKER_UNREACHABLE/);
    expect(after).not.toContain(typed);
    expect(after).toContain(`Cannot connect to the Docker daemon at unix://${dir}/docker.sock`);
    let exit = '';
    for (let i = 0; i < 50 && exit === ''; i++) {
      exit = await readFile(join(dir, 'exit'), 'utf8').catch(() => '');
      if (exit === '') await new Promise((r) => setTimeout(r, 100));
    }
    expect(exit).toMatch(/^exit=[14]\n$/);
  });

  it('refuses without a terminal, naming the ways to give the password (exit 2)', () => {
    let out = '';
    let code = 0;
    try {
      execFileSync(process.execPath, [resolve('bin/regsetup'), 'login', 'x.invalid', '--username', 'u'], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH, HOME: dir } });
    } catch (error) {
      const e = error as { status: number; stderr: string };
      code = e.status;
      out = e.stderr;
    }
    expect(code).toBe(2);
    expect(out).toContain('ERR_PASSWORD_REQUIRED');
    for (const way of ['--password-stdin', '--password-file FILE', 'REGSETUP_PASSWORD']) expect(out).toContain(way);
  });
});
