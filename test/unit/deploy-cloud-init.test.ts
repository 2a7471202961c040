import { execa } from 'execa';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { runCli } from '../../src/cli/main.js';
import { readPasswordFile } from '../../src/credentials/password-file.js';
import { nodeFiles } from '../../src/host/files.js';
import { rooted } from '../../src/host/host-path.js';

// deploy/cloud-init/user-data.yaml: Debian's cloud-init validates it against its schema (installed
// by the lab's packages, scripts/lab.sh, on a bare machine), and the files it writes, written as
// cloud-init would into a scratch root, are what `regsetup config validate` and join accept.

const USER_DATA = fileURLToPath(new URL('../../deploy/cloud-init/user-data.yaml', import.meta.url));
const cloudInit = (file: string) => execa('cloud-init', ['schema', '--config-file', file], { reject: false, env: { LANG: 'C.UTF-8' } });

const userDataSchema = z.object({
  write_files: z.array(z.object({ path: z.string(), content: z.string(), permissions: z.string(), owner: z.string() })),
  runcmd: z.array(z.union([z.string(), z.array(z.string())])),
});

let root: string;
let userData: z.infer<typeof userDataSchema>;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'regsetup-cloud-init-'));
  userData = userDataSchema.parse(parseYaml(await readFile(USER_DATA, 'utf8')));
  // write_files, as cloud-init does it: each file with its mode.
  for (const f of userData.write_files) {
    await mkdir(join(root, dirname(f.path)), { recursive: true });
    await writeFile(join(root, f.path), f.content);
    await chmod(join(root, f.path), parseInt(f.permissions, 8));
  }
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function regsetup(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli([...argv, '--root', root], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, stdin: new PassThrough(), env: {}, isTTY: false });
  return { code, stdout, stderr };
}

describe('deploy/cloud-init/user-data.yaml', () => {
  it('is valid cloud-config to Debian\'s cloud-init (cloud-init schema --config-file)', async () => {
    const r = await cloudInit(USER_DATA);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('Valid cloud-config');
  });

  it('the schema check bites: a write_files entry without its path is refused', async () => {
    const bad = join(root, 'bad-user-data.yaml');
    await writeFile(bad, '#cloud-config\nwrite_files:\n  - content: x\n');
    const r = await cloudInit(bad);
    expect(r.exitCode).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toContain("'path' is a required property");
  });

  it('writes the desired-state file under /etc/regsetup (never /tmp), which regsetup config validate accepts', async () => {
    const paths = userData.write_files.map((f) => f.path);
    expect(paths.every((p) => p.startsWith('/etc/regsetup/'))).toBe(true);
    const r = await regsetup('config', 'validate', '/etc/regsetup/regsetup.yaml', '--json');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, registries: ['nexus.example.com'] });
  });

  it('the password file it names is written there, with a mode regsetup accepts', async () => {
    const desired = parseYaml(userData.write_files.find((f) => f.path === '/etc/regsetup/regsetup.yaml')!.content) as { registries: Array<{ credentials: { username: string; passwordFile: string } }> };
    const { username, passwordFile } = desired.registries[0]!.credentials;
    expect(userData.write_files.map((f) => f.path)).toContain(passwordFile);
    expect(await readPasswordFile(rooted(nodeFiles(), root), passwordFile, username)).toBe('replace-with-the-node-bootstrap-password');
  });

  it('runcmd installs the executable only when its SHA-256 matches, then joins from that file (--yes --json)', () => {
    const script = userData.runcmd.map((c) => (Array.isArray(c) ? c.at(-1)! : c)).join('\n');
    expect(script).toMatch(/^set -eu$/m);
    expect(script).toMatch(/sha256sum -c -/);
    expect(script).toMatch(/^url=https:\/\//m);
    const lines = script.split('\n');
    const verify = lines.findIndex((l) => l.includes('sha256sum -c'));
    const join_ = lines.findIndex((l) => l.startsWith('regsetup join '));
    expect(verify).toBeGreaterThan(-1);
    expect(join_).toBeGreaterThan(verify);
    expect(lines[join_]).toMatch(/^regsetup join --config \/etc\/regsetup\/regsetup\.yaml --yes --json\b/);
    // No pipe after the join: sh has no pipefail, and a failed join must fail runcmd.
    expect(lines[join_]).not.toContain('|');
  });
});
