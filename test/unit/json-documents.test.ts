import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonDocument } from '../json-documents.js';
import { cli } from './helpers/run-cli.js';

// Each command's --json document as the CLI prints it, on a scratch --root with no daemon: what
// an engine reads, checked against the schema regsetup ships (schemas/), and `changed` honest.

let root: string;
let env: NodeJS.ProcessEnv;
const run = async (args: string[], input = '') => {
  const r = await cli([...args, '--root', root, '--json'], { env, input });
  return { ...r, json: jsonDocument(r.stdout) };
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'regsetup-json-'));
  await mkdir(join(root, 'etc/regsetup'), { recursive: true });
  const home = join(root, 'home');
  env = { PATH: '', HOME: home, DOCKER_HOST: `unix://${root}/no-docker.sock`, REGSETUP_CREDENTIALS_DIR: join(home, 'store'), REGSETUP_CREDENTIALS_KEY_DIR: join(home, 'key'), REGSETUP_CREDENTIALS_KEY_PROTECTION: 'file' };
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('--json documents (the CLI on a scratch root)', () => {
  it('status: nothing managed, nothing changed', async () => {
    expect(await run(['status'])).toMatchObject({ code: 0, json: { schemaVersion: 1, command: 'status', changed: false, ok: true, registries: [], drifted: false } });
  });

  it('config validate: a valid file and an invalid one', async () => {
    await writeFile(join(root, 'etc/regsetup/ok.yaml'), 'version: 1\nregistries:\n  - registry: nexus.example.com\n');
    await writeFile(join(root, 'etc/regsetup/bad.yaml'), 'version: 1\nregistries:\n  - registry: nexus.example.com\n    restart: sometimes\n');
    expect(await run(['config', 'validate', '/etc/regsetup/ok.yaml'])).toMatchObject({ code: 0, json: { command: 'config validate', changed: false, ok: true, registries: ['nexus.example.com'], agent: { mode: 'repair' } } });
    expect(await run(['config', 'validate', '/etc/regsetup/bad.yaml'])).toMatchObject({ code: 2, json: { command: 'config validate', ok: false, problems: [{ line: 4, path: 'registries.0.restart' }] } });
  });

  it('join --config of a file that lists no registry changes nothing', async () => {
    await writeFile(join(root, 'etc/regsetup/empty.yaml'), 'version: 1\nregistries: []\n');
    expect(await run(['join', '--config', '/etc/regsetup/empty.yaml', '--yes'])).toMatchObject({ code: 0, json: { command: 'join', changed: false, ok: true, config: '/etc/regsetup/empty.yaml', registries: [] } });
  });

  it('profile: the envelope and the profile', async () => {
    expect(await run(['profile', 'nexus.example.com', '--runtime', 'docker'])).toMatchObject({ code: 0, json: { command: 'profile', changed: false, registry: 'nexus.example.com', runtimes: ['docker'] } });
  });

  it('creds migrate: changed once, when it moved something; creds doctor never', async () => {
    const dir = '/home/.docker'; // under --root
    await mkdir(join(root, dir), { recursive: true });
    await writeFile(join(root, dir, 'config.json'), JSON.stringify({ auths: { 'r.example': { auth: Buffer.from('ci:pa55word-x').toString('base64') } } }));
    const dry = await run(['creds', 'migrate', '--dry-run', '--docker-config', dir]);
    expect(dry).toMatchObject({ code: 0, json: { command: 'creds migrate', changed: false, dryRun: true, items: [{ registry: 'r.example', action: 'move' }] } });
    expect(await run(['creds', 'migrate', '--yes', '--docker-config', dir])).toMatchObject({ code: 0, json: { changed: true, moved: ['r.example'] } });
    expect(await run(['creds', 'migrate', '--yes', '--docker-config', dir])).toMatchObject({ code: 0, json: { changed: false, moved: [] } });
    const doctor = await run(['creds', 'doctor', '--docker-config', dir]);
    expect(doctor.json).toMatchObject({ command: 'creds doctor', changed: false, registries: [{ registry: 'r.example', servedBy: { kind: 'helper', helper: 'regsetup' } }] });
    expect(dry.stdout + doctor.stdout).not.toContain('pa55word-x');
  });

  it('agent install and uninstall: changed only when the unit file came or went', async () => {
    expect((await run(['agent', 'install'])).json).toMatchObject({ command: 'agent install', changed: true, enabled: false, started: false });
    expect((await run(['agent', 'install'])).json).toMatchObject({ command: 'agent install', changed: false });
    expect((await run(['agent', 'uninstall'])).json).toMatchObject({ command: 'agent uninstall', changed: true, removed: true });
    expect((await run(['agent', 'uninstall'])).json).toMatchObject({ command: 'agent uninstall', changed: false, removed: false });
  });

  it('verify and doctor without a daemon: a report each, nothing changed (exit 3)', async () => {
    const verify = await run(['verify', '127.0.0.1:1']);
    expect(verify).toMatchObject({ code: 3, json: { command: 'verify', changed: false, ok: false, steps: expect.arrayContaining([expect.objectContaining({ name: 'reachability', ok: false })]) } });
    const doctor = await run(['doctor']);
    expect(doctor).toMatchObject({ code: 3, json: { command: 'doctor', changed: false, ok: false, findings: expect.arrayContaining([expect.objectContaining({ id: 'daemon-unreachable' })]) } });
  });

  it.each([
    [['leave', 'r.example', '--yes'], 'leave', 'ERR_NOT_MANAGED', 2],
    [['plan', '127.0.0.1:1', '--mirror', 'none'], 'plan', 'ERR_DOCKER_UNREACHABLE', 4],
    [['agent', 'status'], 'agent status', 'ERR_AGENT_NOT_RUNNING', 4],
    [['join', '--frobnicate'], 'join', 'ERR_USAGE', 2],
    [['bogus'], null, 'ERR_USAGE', 2],
  ])('%j fails with an error document of %s (%s)', async (args, command, code, exit) => {
    expect(await run(args)).toMatchObject({ code: exit, json: { schemaVersion: 1, command, changed: false, ok: false, error: { code } } });
  });
});
