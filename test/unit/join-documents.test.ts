import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { appliedJson, joinedJson, plannedJson } from '../../src/cli/commands/io.js';
import { emit } from '../../src/cli/documents/documents.js';
import { createOutput } from '../../src/cli/output.js';
import { applyPrepared, planJoinNow, prepareLeave, type ConvergeHost } from '../../src/converge/converge.js';
import { statusReport } from '../../src/converge/status.js';
import { planToJson } from '../../src/core/plan-render.js';
import { loginChanged, loginRegistry } from '../../src/credentials/login.js';
import { credentialStore } from '../../src/credentials/store.js';
import { nodeFiles } from '../../src/host/files.js';
import type { Processes } from '../../src/host/processes.js';
import { detectSessions, selectSessions } from '../../src/runtimes/registry.js';
import { fakeDockerApi } from '../fakes/fake-docker-api.js';
import { PASSWD, proc } from '../fakes/fake-proc.js';
import { jsonDocument } from '../json-documents.js';
import { DAEMON_JSON, desired, pem } from './helpers/join-fixtures.js';

// join, plan, leave and status --json from real plans and apply reports (memfs, a fake dockerd),
// built by the functions the commands build them with, checked against the shipped schemas; and
// an unchanged join with credentials that reports changed: false without sealing the store again.

const STORE = '/var/lib/regsetup/credentials/credentials.json';
const uid = process.getuid?.() ?? 0;
const credEnv = { PATH: '/usr/local/bin', HOME: '/root', REGSETUP_CREDENTIALS_DIR: '/var/lib/regsetup/credentials', REGSETUP_CREDENTIALS_KEY_DIR: '/etc/regsetup/private', REGSETUP_CREDENTIALS_BACKEND: 'file', REGSETUP_CREDENTIALS_KEY_PROTECTION: 'file' };
const self = { node: '/opt/node/bin/node', script: '/opt/regsetup/bin/docker-credential-regsetup' };

function lab() {
  const { fs } = memfs({
    '/etc/passwd': PASSWD,
    [DAEMON_JSON]: '{\n  "log-driver": "journald"\n}\n',
    '/var/run/docker.pid': '812',
    '/usr/local/bin/.keep': '',
    '/root/.docker/.keep': '',
    ...proc(812, { argv: ['/usr/sbin/dockerd', '-H', 'unix:///var/run/docker.sock'] }),
  });
  const files = nodeFiles(fs);
  const api = fakeDockerApi({ logins: { 'nexus.example.com': { username: 'ci', password: 'right-password' } } });
  const processes: Processes = {
    run: async () => ({ exitCode: 127, stdout: '', stderr: 'not found', timedOut: false }),
    // SIGHUP: dockerd takes daemon.json's mirrors.
    sendSignal: () => {
      const config = JSON.parse(String(fs.readFileSync(DAEMON_JSON, 'utf8'))) as Record<string, string[]>;
      api.infoValue.mirrors = (config['registry-mirrors'] ?? []).map((m) => `${m}/`);
    },
    isAlive: () => true,
  };
  let t = Date.parse('2026-05-01T10:00:00Z');
  const host: ConvergeHost = { ports: { root: '/', files, processes, clock: { now: () => (t += 1000) }, sleep: async (ms) => void (t += ms), env: {}, uid: 0, stateDir: '/var/lib/regsetup', dockerApi: () => api } };
  const store = credentialStore({ files, processes, env: credEnv, uid });
  const login = () => loginRegistry({ files, docker: api, store, env: credEnv, uid }, { registry: 'nexus.example.com', username: 'ci', password: 'right-password', dockerConfigDir: '/root/.docker', root: '/', self });
  return { fs, host, login };
}

const io = { yes: true, note: () => undefined };

/** What a command prints under --json, `changed` marked as the command marks it. */
async function printed(changed: boolean, write: (out: ReturnType<typeof createOutput>) => Promise<void>) {
  let stdout = '';
  const out = createOutput(true, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => true } });
  if (changed) out.markChanged();
  await write(out);
  return jsonDocument(stdout);
}

async function joinOnce(host: ConvergeHost, dryRun = false) {
  const sessions = selectSessions(await detectSessions(host.ports, ['docker']), ['auto']);
  const resolved = desired({ caPem: pem('lab CA') });
  const plan = await planJoinNow(sessions, resolved, host);
  if (dryRun) return { plan };
  return { plan, applied: await applyPrepared({ operation: 'join', sessions, plan, replan: () => planJoinNow(sessions, resolved, host) }, host, io) };
}

describe('join, plan, leave and status --json', () => {
  it('plan: the plan of a first join, nothing changed', async () => {
    const { host } = lab();
    const { plan } = await joinOnce(host, true);
    const doc = await printed(false, (out) => emit(out, 'plan', { ...plannedJson('nexus.example.com', planToJson(plan)), clockSkewSeconds: 0 }));
    expect(doc).toMatchObject({ command: 'plan', changed: false, dryRun: true, plan: { operation: 'join', upToDate: false, actions: expect.arrayContaining([expect.objectContaining({ path: DAEMON_JSON, change: 'modified' })]) } });
  });

  it('join with credentials: changed the first time; unchanged the second, the store not sealed again', async () => {
    const { fs, host, login } = lab();
    const first = await joinOnce(host);
    const firstLogin = await login();
    expect(firstLogin).toMatchObject({ stored: true, configChanged: true, helper: { installed: true } });
    const one = joinedJson('nexus.example.com', first.applied!, { credentialsChanged: loginChanged(firstLogin), clockSkewSeconds: 0, ca: null });
    expect(await printed(one.changed, (out) => emit(out, 'join', { ...one, verify: null }))).toMatchObject({ command: 'join', changed: true, runtimes: [{ runtime: 'docker', activation: 'reload', activated: true }] });

    const sealed = fs.readFileSync(STORE, 'utf8');
    const again = await joinOnce(host);
    const secondLogin = await login();
    expect(secondLogin).toMatchObject({ stored: false, configChanged: false, helper: { installed: false } });
    expect(fs.readFileSync(STORE, 'utf8')).toBe(sealed); // same nonce: not sealed again
    const two = joinedJson('nexus.example.com', again.applied!, { credentialsChanged: loginChanged(secondLogin), clockSkewSeconds: 0, ca: null });
    expect(appliedJson(again.applied!).changed).toBe(false);
    expect(await printed(two.changed, (out) => emit(out, 'join', { ...two, verify: null }))).toMatchObject({ command: 'join', changed: false, changes: expect.arrayContaining([expect.objectContaining({ path: DAEMON_JSON, change: 'unchanged' })]) });
  });

  it('a new password is a change: stored again', async () => {
    const { host, login } = lab();
    await joinOnce(host);
    await login();
    const changedLogin = await loginRegistry(
      { files: host.ports.files, docker: fakeDockerApi({ logins: { 'nexus.example.com': { username: 'ci', password: 'new-password' } } }), store: credentialStore({ files: host.ports.files, processes: host.ports.processes, env: credEnv, uid }), env: credEnv, uid },
      { registry: 'nexus.example.com', username: 'ci', password: 'new-password', dockerConfigDir: '/root/.docker', root: '/', self },
    );
    expect(changedLogin).toMatchObject({ stored: true, configChanged: false });
    expect(loginChanged(changedLogin)).toBe(true);
  });

  it('status after a hand edit, then leave (and its dry run)', async () => {
    const { fs, host } = lab();
    await joinOnce(host);
    fs.writeFileSync(DAEMON_JSON, '{\n  "log-driver": "journald"\n}\n');
    const report = await statusReport(host);
    expect(await printed(false, (out) => emit(out, 'status', { ok: !report.drifted, ...report }))).toMatchObject({ command: 'status', changed: false, ok: false, registries: [{ drifted: true, runtimes: [{ runtime: 'docker', drift: [expect.objectContaining({ path: DAEMON_JSON })] }] }] });

    const prepared = await prepareLeave('nexus.example.com', host);
    expect(await printed(false, (out) => emit(out, 'leave', plannedJson('nexus.example.com', planToJson(prepared.plan))))).toMatchObject({ command: 'leave', changed: false, dryRun: true, plan: { operation: 'leave' } });
    const files = appliedJson(await applyPrepared(prepared, host, io));
    expect(await printed(files.changed, (out) => emit(out, 'leave', { ok: true, registry: 'nexus.example.com', ...files }))).toMatchObject({ command: 'leave', changed: true, changes: expect.arrayContaining([expect.objectContaining({ change: 'removed' })]) });
  });
});
