import { execa } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certsCheck } from '../../src/doctor/checks/certs-d.js';
import { credentialsCheck } from '../../src/doctor/checks/credentials.js';
import { daemonJsonCheck } from '../../src/doctor/checks/daemon-json.js';
import { dockerdCheck } from '../../src/doctor/checks/dockerd.js';
import { mirrorsCheck } from '../../src/doctor/checks/mirrors.js';
import { verifyCheck } from '../../src/doctor/checks/verify.js';
import { doctorState } from '../../src/doctor/ports.js';
import { runChecks } from '../../src/doctor/run.js';
import { RegsetupError } from '../../src/core/errors.js';
import { fakePorts, stateFor, target, type FakeHost } from './helpers/doctor-fixtures.js';

const DJ = '/etc/docker/daemon.json';
const pick = <T extends { id: string }>(list: T[]) => list.map((f) => f.id);

describe('dockerd check', () => {
  it('explains a daemon that does not answer', async () => {
    const s = await stateFor({ docker: { info: undefined, ...{} } });
    s.daemon = { error: new RegsetupError('ERR_DOCKER_UNREACHABLE', 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock (ENOENT). Is the docker daemon running?') };
    const [f] = await dockerdCheck.run(s);
    expect(f).toMatchObject({ id: 'daemon-unreachable', severity: 'error', fixable: false });
    expect(f!.cause).toContain('pid 4242');
    expect(f!.fix).toContain('regsetup doctor');
  });

  it('warns when the daemon is remote (no local process)', async () => {
    expect(pick(await dockerdCheck.run(await stateFor({ dockerd: null })))).toEqual(['dockerd-not-local']);
  });

  it('is quiet on a healthy host', async () => {
    expect(await dockerdCheck.run(await stateFor())).toEqual([]);
  });
});

describe('daemon.json check', () => {
  it.each<[string, FakeHost, string[]]>([
    ['no file', {}, []],
    ['a trailing comma', { tree: { [DJ]: '{\n  "debug": true,\n}\n' } }, ['daemon-json-malformed']],
    ['a bad mirror URL', { tree: { [DJ]: '{"registry-mirrors": ["mirror.example.com"]}' }, docker: { info: { mirrors: ['mirror.example.com'] } } }, ['daemon-json-invalid']],
    ['file and daemon agree', { tree: { [DJ]: '{"registry-mirrors": ["https://m.example.com"]}' }, docker: { info: { mirrors: ['https://m.example.com/'] } } }, []],
    ['a mirror the daemon has not loaded', { tree: { [DJ]: '{"registry-mirrors": ["https://m.example.com"]}' } }, ['daemon-not-reloaded']],
    [
      'a key that is also a flag',
      { tree: { [DJ]: '{"insecure-registries": ["10.0.0.5:5000"]}' }, flags: [{ key: 'insecure-registries', flag: '--insecure-registry', value: 'old.example.com', source: '/etc/systemd/system/docker.service.d/override.conf ExecStart' }] },
      ['flag-conflict'],
    ],
  ])('%s', async (_what, host, ids) => {
    expect(pick(await daemonJsonCheck.run(await stateFor(host)))).toEqual(ids);
  });

  it('names the place of the line and column of a malformed file', async () => {
    const [f] = await daemonJsonCheck.run(await stateFor({ tree: { [DJ]: '{\n  "debug": true,\n}\n' } }));
    expect(f!.seen).toMatch(/trailing comma.*line 3 column 1/);
  });

  it('says where the conflicting flag is set, and does not offer a fix', async () => {
    const host = { tree: { [DJ]: '{"insecure-registries": ["a.example.com"]}' }, flags: [{ key: 'insecure-registries', flag: '--insecure-registry', value: 'b.example.com', source: '/etc/default/docker DOCKER_OPTS' }] };
    const [f] = await daemonJsonCheck.run(await stateFor(host));
    expect(f).toMatchObject({ fixable: false, seen: expect.stringContaining('/etc/default/docker DOCKER_OPTS') });
    expect(f!.fix).toContain('remove --insecure-registry from /etc/default/docker DOCKER_OPTS');
  });

  it('does not compare the local file with a remote daemon', async () => {
    expect(await daemonJsonCheck.run(await stateFor({ dockerd: null, tree: { [DJ]: '{"registry-mirrors": ["https://m.example.com"]}' } }))).toEqual([]);
  });

  it('offers a reload for a file the daemon has not loaded', async () => {
    const [f] = await daemonJsonCheck.run(await stateFor({ tree: { [DJ]: '{"registry-mirrors": ["https://m.example.com"]}' } }));
    expect(f).toMatchObject({ fixable: true, apply: { key: 'reload' } });
  });
});

describe('certs.d check', () => {
  let dir: string;
  let pem: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'doctor-ca-'));
    await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k'), '-out', join(dir, 'c'), '-days', '2', '-subj', '/CN=doctor test CA', '-addext', 'basicConstraints=critical,CA:TRUE']);
    pem = await readFile(join(dir, 'c'), 'utf8');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each<[string, FakeHost, string[]]>([
    ['no directory at all', {}, []],
    ['a directory under another port', { certs: { 'nexus.example.com:443': {} } }, ['certs-d-name-mismatch']],
    ['a client certificate without its key', { certs: { 'nexus.example.com': { problems: ['/etc/docker/certs.d/nexus.example.com/client.cert: missing key client.key for this client certificate; Docker refuses the whole directory'] } } }, ['certs-d-layout']],
  ])('%s', async (_what, host, ids) => {
    expect(pick(await certsCheck.run(await stateFor(host)))).toEqual(ids);
  });

  it('reports a refusing layout as an error and an ignored file as a warning', async () => {
    const found = await certsCheck.run(await stateFor({ certs: { 'nexus.example.com': { problems: ['x.cert: missing key x.key; Docker refuses the whole directory', 'ca.pem: ignored, Docker reads only *.crt'] } } }));
    expect(found.map((f) => f.severity)).toEqual(['error', 'warning']);
  });

  it('finds an expired (or not yet valid) CA by the clock it is given', async () => {
    const s = await stateFor({ certs: { 'nexus.example.com': { caPems: [pem] } } });
    s.ports.clock = { now: () => Date.now() };
    expect(await certsCheck.run(s)).toEqual([]);
    s.ports.clock = { now: () => Date.now() + 10 * 86_400_000 };
    const [f] = await certsCheck.run(s);
    expect(f).toMatchObject({ id: 'ca-expired', severity: 'error', registry: 'nexus.example.com' });
    expect(f!.seen).toContain('doctor test CA');
    s.ports.clock = { now: () => Date.now() - 10 * 86_400_000 };
    expect(pick(await certsCheck.run(s))).toEqual(['ca-not-yet-valid']);
  });
});

describe('verify check', () => {
  const tlsFail = { name: 'tls', ok: false, ms: 3, seen: 'x509: certificate signed by unknown authority for nexus.example.com', cause: 'c', fix: 'f', diagnosis: 'tls-unknown-authority' };
  const step = (name: string, diagnosis: string, seen = 'seen') => ({ name, ok: false, ms: 1, seen, cause: 'c', fix: 'f', diagnosis });

  it('turns failed steps into findings, with the fix doctor can make', async () => {
    const [f] = await verifyCheck.run(await stateFor({ verify: () => [tlsFail] }));
    expect(f).toMatchObject({ id: 'tls-unknown-authority', registry: 'nexus.example.com', fixable: true, apply: { key: 'ca:nexus.example.com' }, check: 'verify' });
  });

  it.each([
    ['http-response-to-https', 'insecure:nexus.example.com'],
    ['clock-skew', undefined],
    ['push-refused-by-group', undefined],
    ['body-too-large', undefined],
  ])('%s → fix %s', async (id, key) => {
    const [f] = await verifyCheck.run(await stateFor({ verify: () => [step('tls', id)] }));
    expect(f!.apply?.key).toBe(key);
    expect(f!.fixable).toBe(key !== undefined);
  });

  it('blames the push endpoint when the failure names it', async () => {
    const t = target('group.example.com', true, 'proxy.example.com');
    const [f] = await verifyCheck.run(await stateFor({ verify: () => [step('push-access', 'push-refused-by-group', 'POST https://proxy.example.com/v2/x/blobs/uploads/ refused')] }, [t]));
    expect(f!.registry).toBe('proxy.example.com');
  });

  it('does not hold push refusals against a pull-only registry, and calls a missing login a warning', async () => {
    const steps = [step('push-access', 'push-refused-by-group'), step('registry-api', 'push-credentials-missing')];
    expect(await verifyCheck.run(await stateFor({ verify: () => steps }, [target('mirror.example.com', false)]))).toEqual([]);
    const found = await verifyCheck.run(await stateFor({ verify: () => steps }));
    expect(found.map((f) => [f.id, f.severity])).toEqual([['push-refused-by-group', 'error'], ['push-credentials-missing', 'warning']]);
  });

  it('leaves mirror probes to the mirrors check, and a failed pull through the mirror to the daemon', async () => {
    const found = await verifyCheck.run(await stateFor({ verify: () => [step('mirror-pull', 'tls-unknown-authority', 'no mirror served hello-world:latest: unable to verify the first certificate')] }));
    expect(found).toEqual([]);
    const [f] = await verifyCheck.run(await stateFor({ verify: () => [step('mirror-pull', 'pull-unauthorized', 'pull access denied for hello-world')] }));
    expect(f).toMatchObject({ id: 'pull-unauthorized', fixable: false });
    expect(f!.registry).toBeUndefined();
  });

  it('leaves the mirror to the mirrors check and reports daemon-wide failures without a registry', async () => {
    const found = await verifyCheck.run(await stateFor({ verify: () => [step('mirror-pull', 'mirror-not-serving'), step('daemon-config', 'daemon-not-reloaded')] }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ id: 'daemon-not-reloaded', apply: { key: 'reload' } });
    expect(found[0]!.registry).toBeUndefined();
  });

  it('reports a suite that could not run', async () => {
    const ports = fakePorts();
    ports.verify = async () => {
      throw new Error('boom');
    };
    const s = await doctorState(ports, async () => [target('nexus.example.com')], 'hello-world');
    expect(pick(await verifyCheck.run(s))).toEqual(['verify-failed']);
  });
});

describe('credentials check', () => {
  const pass = { installed: true, initialised: false, helperInstalled: true, usedByDocker: true, storeDir: '/root/.password-store' };
  it.each<[string, FakeHost['credentials'], string[]]>([
    ['nothing configured', {}, []],
    ['pass picked by docker but never initialised', { pass }, ['pass-not-initialized']],
    ['pass installed but not used', { pass: { ...pass, usedByDocker: false } }, []],
    ['plaintext auths', { plaintext: [{ key: 'https://nexus.example.com', host: 'nexus.example.com', username: 'ci' }] }, ['plaintext-credentials']],
    ['a configured helper that is missing', { helpers: [{ name: 'ecr-login', serves: ['123.dkr.ecr.example.com'] }] }, ['credential-helper-missing']],
    ['a configured helper that fails', { helpers: [{ name: 'secretservice', serves: ['credsStore'], path: '/usr/bin/docker-credential-secretservice', working: false, error: 'Cannot autolaunch D-Bus' }] }, ['credential-helper-broken']],
    ['a broken helper nobody uses', { helpers: [{ name: 'secretservice', serves: [], path: '/usr/bin/x', working: false, error: 'no D-Bus' }] }, []],
    ['a malformed config.json', { configError: 'not valid JSON' }, ['docker-config-malformed']],
  ])('%s', async (_what, credentials, ids) => {
    expect(pick(await credentialsCheck.run(await stateFor({ credentials })))).toEqual(ids);
  });

  it('offers to send the checked registries to regsetup\'s helper, and to migrate plaintext', async () => {
    const found = await credentialsCheck.run(await stateFor({ credentials: { pass, plaintext: [{ key: 'a', host: 'a', username: 'u' }] } }, [target('group.example.com', true, 'hosted.example.com'), target('mirror.example.com', false)]));
    expect(found.map((f) => f.apply?.key)).toEqual(['credentials:pass:group.example.com,hosted.example.com', 'credentials:migrate']);
    expect(found.map((f) => f.severity)).toEqual(['error', 'warning']);
  });
});

describe('mirrors check', () => {
  const M = 'https://hosted.example.com/';
  it.each<[string, FakeHost['mirrors'], string | undefined, string | undefined]>([
    ['a mirror that serves', { [M]: { status: 200 } }, undefined, undefined],
    ['a mirror without Docker Hub content', { [M]: { status: 404 } }, 'mirror-not-serving', undefined],
    ['a mirror that wants credentials', { [M]: new Error('HEAD manifest library/hello-world:latest: the registry requires credentials (basic) and none were given: unauthorized') }, 'pull-unauthorized', undefined],
    ['a mirror with an unknown CA', { [M]: new Error('unable to verify the first certificate') }, 'tls-unknown-authority', 'ca:hosted.example.com'],
  ])('%s', async (_what, mirrors, id, fix) => {
    const found = await mirrorsCheck.run(await stateFor({ mirrors, docker: { info: { mirrors: [M] } } }));
    expect(found[0]?.id).toBe(id);
    expect(found[0]?.apply?.key).toBe(fix);
    if (id) expect(found[0]).toMatchObject({ registry: 'hosted.example.com', severity: 'error' });
  });
});

describe('runChecks', () => {
  it('reports a finding once, from the first check that sees it, and survives a check that throws', async () => {
    const s = await stateFor({ tree: { [DJ]: '{"registry-mirrors": ["https://m.example.com"]}' }, docker: { info: { mirrors: [] } }, verify: () => [{ name: 'daemon-config', ok: false, ms: 1, seen: 's', cause: 'c', fix: 'f', diagnosis: 'daemon-not-reloaded' }] });
    s.ports.credentials = async () => {
      throw new Error('kaput');
    };
    const found = await runChecks(s);
    expect(found.map((f) => `${f.check}:${f.id}`)).toEqual(['daemon-json:daemon-not-reloaded', 'credentials:check-failed']);
  });
});
