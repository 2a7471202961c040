// The containers runtime against the real podman (Debian 12: 4.3, containers/image 5.23) and two
// real distribution registries, inside test/podman-sandbox/sandbox.sh: do the files regsetup
// writes really steer podman — the mirror used (digest proven), the CA trusted, the credHelpers
// entry consulted for a push — and does leave give every file back? Run: bash test/podman-sandbox/run.sh
import { execa } from 'execa';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { regsetup } from '../e2e/helpers/cli.js';
import { tarFiles } from '../e2e/helpers/lab.js';

const SANDBOX = process.env.SANDBOX ?? '';
if (SANDBOX === '' || !existsSync(join(SANDBOX, 'pki/ca.crt'))) throw new Error('run this suite through test/podman-sandbox/run.sh (it needs the sandbox\'s namespaces and registries)');

const REGISTRY = 'registry.sandbox.test:5443';
const MIRROR = 'mirror.sandbox.test:5444';
const HUB_IMAGE = 'library/regsetup-hello:latest';
const DROP_IN = '/etc/containers/registries.conf.d/50-regsetup.conf';
const CA = `/etc/containers/certs.d/${REGISTRY}/ca.crt`;
const AUTH = join(SANDBOX, 'home/.config/containers/auth.json');
const caFile = join(SANDBOX, 'pki/ca.crt');
const password = readFileSync(join(SANDBOX, 'password'), 'utf8').trim();
const helperBin = fileURLToPath(new URL('../../bin/docker-credential-regsetup', import.meta.url));
// regsetup's credential store in the sandbox, for the CLI and for the helper podman runs.
const storeEnv = {
  REGSETUP_CREDENTIALS_DIR: join(SANDBOX, 'store'),
  REGSETUP_CREDENTIALS_KEY_DIR: join(SANDBOX, 'store-key'),
  REGSETUP_CREDENTIALS_BACKEND: 'file',
  SYSTEMD_CREDENTIAL_SECRET: join(SANDBOX, 'credential.secret'),
};
const env = { ...storeEnv, HOME: join(SANDBOX, 'home') };

const podman = (args: string[], input?: Buffer | string) => execa('podman', args, { input, reject: false, env });
const joinArgs = (extra: string[] = []) => ['join', REGISTRY, '--runtime', 'podman', '--ca-file', caFile, '--mirror', `https://${MIRROR}`, '--hub-image', HUB_IMAGE, '--yes', '--json', ...extra];
const tarball = (): Buffer => tarFiles([{ name: 'hello.txt', data: Buffer.from('hello from the sandbox hub\n') }]);

describe('containers runtime × real podman (sandbox)', () => {
  beforeAll(async () => {
    // The docker.io mirror and the registry both hold the image the verify steps pull. The mirror's CA
    // sits in Docker's certs.d only: podman must fall back to that directory (no containers one for it).
    mkdirSync(`/etc/docker/certs.d/${MIRROR}`, { recursive: true });
    writeFileSync(`/etc/docker/certs.d/${MIRROR}/ca.crt`, readFileSync(caFile));
    const image = tarball();
    // --cert-dir for seeding only (not the configuration under test): a directory with just the CA.
    const seedCerts = join(SANDBOX, 'seed-certs');
    mkdirSync(seedCerts, { recursive: true });
    writeFileSync(join(seedCerts, 'ca.crt'), readFileSync(caFile));
    for (const [ref, extra] of [[`${MIRROR}/${HUB_IMAGE}`, []], [`${REGISTRY}/${HUB_IMAGE}`, ['--creds', `regsetup:${password}`, '--cert-dir', seedCerts]]] as const) {
      expect((await podman(['import', '--quiet', '-', ref], image)).exitCode).toBe(0);
      const push = await podman(['push', '--quiet', '--format', 'v2s2', ...extra, ref]);
      expect(push.stderr).toBe('');
      await podman(['rmi', '--force', ref]);
    }
    // What the lead's join hook does for a host without dockerd: the password into regsetup's helper.
    const wrapper = join(SANDBOX, 'bin/docker-credential-regsetup');
    writeFileSync(wrapper, `#!/bin/sh\n${Object.entries(storeEnv).map(([k, v]) => `export ${k}='${v}'`).join('\n')}\nexec '${process.execPath}' '${helperBin}' "$@"\n`);
    chmodSync(wrapper, 0o755);
    const store = await execa(wrapper, ['store'], { input: JSON.stringify({ ServerURL: REGISTRY, Username: 'regsetup', Secret: password }), reject: false });
    expect(store.exitCode).toBe(0);
  });

  it('join configures podman: the drop-in, the CA, credHelpers only; verify proves mirror, registry and a push with the helper', async () => {
    const r = await regsetup(joinArgs(['--username', 'regsetup', '--password-stdin']), { input: `${password}\n`, env });
    expect(r.exitCode, r.stderr).toBe(0);
    const steps = Object.fromEntries((r.json.verify.steps as Array<{ name: string; ok: boolean; skipped?: boolean; detail?: string }>).map((s) => [s.name, s]));
    for (const name of ['tls', 'podman-mirror-pull', 'podman-registry-pull', 'podman-push-roundtrip', 'podman-config']) {
      expect(steps[name], `${name}: ${JSON.stringify(steps[name])}`).toMatchObject({ ok: true });
      expect(steps[name]!.skipped).toBeUndefined();
    }
    expect(steps['podman-mirror-pull']!.detail).toContain(`served by ${MIRROR}`);
    expect(r.json.runtimes.map((x: { runtime: string }) => x.runtime)).toEqual(['containers']);
    expect(readFileSync(DROP_IN, 'utf8')).toContain(`[[registry.mirror]]\nlocation = "${MIRROR}"`);
    expect(existsSync(CA)).toBe(true);
    // No password anywhere but in the helper's store: the push went through credHelpers.
    expect(JSON.parse(readFileSync(AUTH, 'utf8'))).toEqual({ credHelpers: { [REGISTRY]: 'regsetup' } });
    const info = JSON.parse((await podman(['info', '--format', 'json'])).stdout);
    expect(info.registries['docker.io'].Mirrors).toEqual([expect.objectContaining({ Location: MIRROR })]);
  });

  it('a second join changes nothing', async () => {
    const r = await regsetup(joinArgs(['--no-verify']), { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.changed).toBe(false);
  });

  it('status reports an entry removed from the drop-in by hand; join puts it back', async () => {
    const before = readFileSync(DROP_IN, 'utf8');
    writeFileSync(DROP_IN, before.replace(`[[registry]]\nprefix = "${REGISTRY}"\nlocation = "${REGISTRY}"\n`, ''));
    const status = await regsetup(['status', '--json'], { env });
    expect(status.json.drifted).toBe(true);
    expect(status.json.registries[0].runtimes[0].drift.map((d: { what: string }) => d.what)).toEqual([`entry ${REGISTRY} was removed from ${DROP_IN}`]);
    expect((await regsetup(joinArgs(['--no-verify']), { env })).exitCode).toBe(0);
    expect(readFileSync(DROP_IN, 'utf8')).toBe(before);
  });

  it('refuses a drop-in podman cannot parse, naming the line, and leaves it byte for byte', async () => {
    const good = readFileSync(DROP_IN);
    const broken = Buffer.concat([good, Buffer.from('[[registry.mirror]\nlocation = "x"\n')]);
    writeFileSync(DROP_IN, broken);
    const r = await regsetup(joinArgs(['--no-verify']), { env });
    expect(r.exitCode).toBe(4);
    expect(r.json.error.message).toMatch(/50-regsetup\.conf is not valid TOML: .* at line \d+ column \d+/);
    expect(readFileSync(DROP_IN).equals(broken)).toBe(true);
    // podman agrees that the file is broken.
    expect((await podman(['info', '--format', 'json'])).stderr).toContain('50-regsetup.conf');
    writeFileSync(DROP_IN, good);
  });

  it('a version 1 registries.conf: join warns, and podman still uses regsetup\'s drop-in over it', async () => {
    const conf = '/etc/containers/registries.conf';
    const original = readFileSync(conf);
    writeFileSync(conf, "[registries.search]\nregistries = ['docker.io']\n");
    try {
      const r = await regsetup(joinArgs(['--no-verify']), { env });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.json.warnings.join('\n')).toContain('(line 1) is in the version 1 format');
      const info = JSON.parse((await podman(['info', '--format', 'json'])).stdout);
      expect(info.registries['docker.io'].Mirrors).toEqual([expect.objectContaining({ Location: MIRROR })]);
    } finally {
      writeFileSync(conf, original);
    }
  });

  it('leave gives every file back: no drop-in, no CA, no auth file; podman has no mirror any more', async () => {
    const r = await regsetup(['leave', REGISTRY, '--yes', '--json'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(DROP_IN)).toBe(false);
    expect(existsSync(`/etc/containers/certs.d/${REGISTRY}`)).toBe(false);
    expect(existsSync(AUTH)).toBe(false);
    expect(readFileSync('/etc/containers/registries.conf.d/shortnames.conf', 'utf8')).toContain('[aliases]');
    const info = JSON.parse((await podman(['info', '--format', 'json'])).stdout);
    expect(info.registries['docker.io']).toBeUndefined();
  });
});
