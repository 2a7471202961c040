import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedDesired } from '../../src/core/plan-types.js';
import { containerdCheck } from '../../src/doctor/checks/containerd.js';
import { doctorState } from '../../src/doctor/ports.js';
import type { Finding } from '../../src/doctor/types.js';
import { walkFixes } from '../../src/doctor/walk.js';
import { readHostsFile } from '../../src/runtimes/containerd/hosts-file.js';
import { containerdInfo } from '../fakes/containerd-info.js';
import { CONFIG, configToml, containerdHost, containerdState, HOST, joinContainerd, makeCa, MIRRORS_TRAP, realFixes, ROOT, STATE, type ContainerdHost } from './helpers/containerd-doctor-fixtures.js';
import { fakePorts } from './helpers/doctor-fixtures.js';

const HUB = `${ROOT}/docker.io/hosts.toml`;
let ca: string;
let h: ContainerdHost;
const hosts: ContainerdHost[] = [];

beforeAll(async () => {
  ca = await makeCa();
});
afterEach(async () => {
  while (hosts.length) await hosts.pop()!.close();
});

async function node(tree: (socket: string) => Record<string, string>, o: Parameters<typeof containerdHost>[1] = {}): Promise<ContainerdHost> {
  h = await containerdHost(tree, o);
  hosts.push(h);
  return h;
}
const withPath = (extra = '') => (socket: string) => ({ [CONFIG]: configToml(socket, ROOT, extra) });
const withoutPath = (extra = '') => (socket: string) => ({ [CONFIG]: configToml(socket, null, extra) });
const write = async (path: string, text: string) => {
  await h.files.mkdirp(path.slice(0, path.lastIndexOf('/')), 0o755);
  await h.files.writeAtomic(path, Buffer.from(text), { mode: 0o644 });
};
const read = async (path: string) => (await h.files.readText(path)) ?? '';
const check = async (extra: Parameters<typeof containerdState>[2] = {}): Promise<Finding[]> => containerdCheck.run(await containerdState(h, undefined, extra));
const ids = (found: Finding[]) => found.map((f) => f.id);

/** What `regsetup join nexus.example.com --mirror https://nexus.example.com --ca-file …` resolves to. */
const joined = (o: Partial<ResolvedDesired> = {}): ResolvedDesired => ({
  registry: HOST,
  mirrors: [{ upstream: 'docker.io', url: `https://${HOST}` }],
  insecure: false,
  caPems: [ca],
  restart: 'auto',
  kubeletCredentialProvider: false,
  migrateContainerdMirrors: false,
  k3sStoreAuthPlaintext: false,
  ...o,
});

describe('doctor: containerd (CRI) — each check passing and failing', () => {
  it('a node joined by regsetup, CRI up with config_path, every hosts.toml sound and its mirror answering: nothing to say', async () => {
    await node(withPath());
    await joinContainerd(h, joined());
    expect(await read(HUB)).toContain(`[host."https://${HOST}"]`);
    expect(await check()).toEqual([]);
  });

  it('no containerd runs: nothing, unless the journal says regsetup joined one', async () => {
    const empty = () => doctorState({ ...fakePorts({ docker: null }), containerd: async () => [] }, async () => [], 'library/hello-world:latest');
    expect(await containerdCheck.run(await empty())).toEqual([]);
    await node(withPath());
    await joinContainerd(h, joined());
    const s = await doctorState({ ...fakePorts({ docker: null }, undefined, h.files), containerd: async () => [] }, async () => [], 'library/hello-world:latest');
    const [f] = await containerdCheck.run(s);
    expect(f).toMatchObject({ id: 'containerd-not-running', severity: 'error', seen: expect.stringContaining(HOST), fix: expect.stringContaining('systemctl start containerd') });
  });

  it('CRI switched off by disabled_plugins = ["cri"]: named, with the line to remove', async () => {
    await node((socket) => ({ [CONFIG]: `disabled_plugins = ["cri"]\n${configToml(socket)}` }));
    const found = await check();
    expect(ids(found)).toEqual(['containerd-cri-unavailable']);
    expect(found[0]).toMatchObject({ severity: 'error', seen: expect.stringMatching(/does not serve runtime\.v1\.RuntimeService\/Version/), cause: expect.stringContaining('disabled_plugins'), fix: expect.stringContaining(`Remove "cri" from disabled_plugins in ${CONFIG}`) });
  });

  it('CRI answers but its runtime is not ready', async () => {
    await node(withPath());
    h.fake.conditions = [{ type: 'RuntimeReady', status: false, reason: 'ContainerdNotReady', message: 'runc not found' }];
    expect(await check()).toEqual([expect.objectContaining({ id: 'containerd-runtime-not-ready', seen: 'CRI: RuntimeReady is false: ContainerdNotReady runc not found' })]);
  });

  it('config.toml broken after containerd started: it would not start again', async () => {
    await node(withPath());
    await write(CONFIG, 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry\n');
    const [f] = await check();
    expect(f).toMatchObject({ id: 'containerd-config-malformed', severity: 'error', seen: expect.stringMatching(/config\.toml is not valid TOML: .* at line 2/) });
  });

  it('the deprecated-section trap: mirrors next to config_path kill CRI; named with file and line, the CRI finding points at it', async () => {
    await node(withPath(MIRRORS_TRAP));
    const found = await check();
    expect(ids(found)).toEqual(['containerd-cri-unavailable', 'containerd-deprecated-registry']);
    expect(found[0]!.cause).toContain('`mirrors` cannot be set when `config_path` is provided');
    expect(found[1]).toMatchObject({ severity: 'error', fixable: false, seen: `${CONFIG}:12: registry.mirrors."quay.io", next to config_path = "${ROOT}"`, fix: expect.stringContaining('--migrate-containerd-mirrors') });
  });

  it('deprecated mirrors without config_path: CRI runs, a warning that join will not turn config_path on next to them', async () => {
    await node(withoutPath(MIRRORS_TRAP));
    const found = await check();
    expect(found).toEqual([expect.objectContaining({ id: 'containerd-deprecated-registry', severity: 'warning', fixable: false })]);
  });

  it('config_path unset: nothing on a node nobody configured, a warning when hosts.toml files lie unread, an error when regsetup joined', async () => {
    await node(withoutPath());
    expect(await check()).toEqual([]);
    await write(`${ROOT}/quay.io/hosts.toml`, 'server = "https://quay.io"\n');
    expect(await check()).toEqual([expect.objectContaining({ id: 'containerd-config-path-unset', severity: 'warning', fixable: false, seen: `${CONFIG} sets no config_path, and CRI Status shows none` })]);
  });

  it('config_path set in the file, but containerd was not restarted since: CRI shows none', async () => {
    await node(withoutPath());
    await write(CONFIG, configToml(h.fake.socket));
    const [f] = await check();
    expect(f).toMatchObject({ id: 'containerd-not-restarted', severity: 'error', fixable: true, seen: `${CONFIG} sets config_path = "${ROOT}", the running containerd uses none (CRI Status)` });
    expect(f!.fix).toContain('never `kill -HUP`');
  });

  it('config_path removed from the file while containerd still uses it: a warning for the next restart', async () => {
    await node(withPath());
    await write(CONFIG, configToml(h.fake.socket, null));
    expect(await check()).toEqual([expect.objectContaining({ id: 'containerd-config-path-lost', severity: 'warning' })]);
  });

  it('containerd 2.0 reports no config_path over CRI: the files (and `containerd config dump`) decide, and "not restarted" cannot be told', async () => {
    const dump = (text: string) => (text.includes('config_path') ? `version = 3\n[plugins."io.containerd.cri.v1.images".registry]\n  config_path = "${ROOT}"\n` : 'version = 3\n[plugins."io.containerd.cri.v1.images".registry]\n  config_path = ""\n');
    await node(withPath(), { version: '2.0.4', dump });
    expect(h.fake.info.config).not.toContain('registry');
    expect(await check()).toEqual([]);
    await write(CONFIG, configToml(h.fake.socket, null));
    await write(`${ROOT}/quay.io/hosts.toml`, 'server = "https://quay.io"\n');
    expect(await check()).toEqual([expect.objectContaining({ id: 'containerd-config-path-unset', seen: `${CONFIG} sets no config_path, and \`containerd config dump\` shows none` })]);
  });

  it('a hosts.toml that does not parse: named with its line; not fixable when regsetup did not write it', async () => {
    await node(withPath());
    await write(HUB, 'server = "https://registry-1.docker.io"\n\n[host."https://mirror.example.com"\n  capabilities = ["pull"]\n');
    const [f] = await check();
    expect(f).toMatchObject({ id: 'containerd-hosts-toml-malformed', registry: 'docker.io', severity: 'error', fixable: false, seen: expect.stringMatching(/docker\.io\/hosts\.toml is not valid TOML: .* at line 3/) });
    expect(f!.cause).toContain('failed to decode hosts.toml');
  });

  it.each([
    ['capabilities as a string', 'capabilities = "pull"', /line 2: host\."https:\/\/m\.example\.com"\.capabilities: expected a list/],
    ['an unknown capability', 'capabilities = ["pull", "fetch"]', /capabilities: unknown capability "fetch"/],
    ['skip_verify as text', 'skip_verify = "true"', /skip_verify: expected true or false/],
  ])('a hosts.toml containerd cannot decode: %s', async (_what, line, seen) => {
    await node(withPath());
    await write(HUB, `server = "https://registry-1.docker.io"\n[host."https://m.example.com"]\n  ${line}\n`);
    expect(await check()).toEqual([expect.objectContaining({ id: 'containerd-hosts-toml-invalid', seen: expect.stringMatching(seen) })]);
  });

  it('CA files: missing, not PEM, expired (by the clock), not yet valid; and a directory without hosts.toml has its *.crt read too', async () => {
    await node(withPath());
    const dir = `${ROOT}/quay.io`;
    await write(`${dir}/hosts.toml`, 'server = "https://quay.io"\nca = "ca.crt"\n[host."https://q1.example.com"]\n  ca = ["/srv/none.crt"]\n');
    let found = await check({ hosts: { 'https://q1.example.com': { status: 401 } } });
    expect(found.map((f) => [f.id, f.seen])).toEqual([
      ['containerd-ca-missing', `${dir}/hosts.toml: [host."https://q1.example.com"] ca = /srv/none.crt, which does not exist`],
      ['containerd-ca-missing', `${dir}/hosts.toml: server ca = ${dir}/ca.crt, which does not exist`],
    ]);
    await write('/srv/none.crt', 'not a certificate');
    await write(`${dir}/ca.crt`, ca);
    found = await check({ hosts: { 'https://q1.example.com': { status: 401 } } });
    expect(ids(found)).toEqual(['containerd-ca-invalid']);
    await write('/srv/none.crt', ca);
    const s = await containerdState(h, undefined, { hosts: { 'https://q1.example.com': { status: 200 } } });
    expect(await containerdCheck.run(s)).toEqual([]);
    s.ports.clock = { now: () => Date.now() + 60 * 86_400_000 };
    expect(ids(await containerdCheck.run(s))).toEqual(['containerd-ca-expired', 'containerd-ca-expired']);
    s.ports.clock = { now: () => Date.now() - 60 * 86_400_000 };
    expect(ids(await containerdCheck.run(s))).toEqual(['containerd-ca-not-yet-valid', 'containerd-ca-not-yet-valid']);
    await write(`${ROOT}/ghcr.io/ca.crt`, 'garbage');
    expect(await check()).toEqual([expect.objectContaining({ id: 'containerd-ca-invalid', registry: 'ghcr.io', seen: expect.stringContaining(`${ROOT}/ghcr.io/ca.crt`) })]);
  });

  it('a client certificate it names is not there', async () => {
    await node(withPath());
    await write(`${ROOT}/${HOST}/hosts.toml`, `server = "https://${HOST}"\n[host."https://${HOST}"]\n  client = [["client.cert", "client.key"]]\n`);
    await write(`${ROOT}/${HOST}/client.cert`, 'cert');
    expect(await check()).toEqual([expect.objectContaining({ id: 'containerd-client-file-missing', registry: HOST, seen: expect.stringContaining(`${ROOT}/${HOST}/client.key`) })]);
  });

  it('mirrors are asked as containerd asks them: a Docker Hub manifest (404 = no proxy), /v2/ for others (401 answers), TLS with the table\'s CA; not while CRI reads no hosts.toml', async () => {
    await node(withPath());
    await joinContainerd(h, joined({ mirrors: [{ upstream: 'docker.io', url: `https://${HOST}` }, { upstream: 'quay.io', url: 'https://quay-mirror.example.com' }] }));
    expect(await check({ hosts: { 'https://quay-mirror.example.com': { status: 401 } } })).toEqual([]);
    const [hub] = await check({ hosts: { [`https://${HOST}`]: { status: 404 } } });
    expect(hub).toMatchObject({ id: 'containerd-mirror-failed', registry: HOST, seen: `${HUB}: the mirror https://${HOST} answered HTTP 404 for library/hello-world:latest (asked anonymously, as containerd asks a mirror)` });
    expect(hub!.cause).toContain('no docker.io proxy');
    const [tls] = await check({ hosts: { 'https://quay-mirror.example.com': new Error('self-signed certificate in certificate chain') } });
    expect(tls).toMatchObject({ id: 'containerd-mirror-failed', registry: 'quay-mirror.example.com', fix: expect.stringContaining(`ca = ["${ROOT}/quay-mirror.example.com/ca.crt"]`) });
    // CRI not reading hosts.toml: the mirrors are not asked (config_path's finding says why).
    h.fake.info = containerdInfo('1.6', { configPath: '' });
    expect(ids(await check({ hosts: { [`https://${HOST}`]: { status: 404 } } }))).toEqual(['containerd-not-restarted']);
  });

  it('reads hosts.toml as containerd does: tables in file order, paths relative to the directory', () => {
    const r = readHostsFile('server = "https://quay.io"\n[host."https://b.example"]\n  ca = "b.crt"\n[host."https://a.example"]\n  capabilities = ["pull"]\n', '/x/quay.io/hosts.toml');
    expect(r).toMatchObject({ ok: true, file: { server: 'https://quay.io', hosts: [{ url: 'https://b.example', fields: { ca: 'b.crt' } }, { url: 'https://a.example' }] } });
  });
});

describe('doctor --fix: containerd, through join\'s plan and apply', () => {
  it('a hosts.toml regsetup created, broken by hand: written anew exactly as join wrote it (the diff shows the old text); the re-check is clean', async () => {
    await node(withPath());
    await joinContainerd(h, joined());
    const good = await read(HUB);
    const journal = await read(`${STATE}/state.json`);
    await write(HUB, `${good}\n[host."https://extra.example.com"\n`);
    const found = await check();
    expect(found).toEqual([expect.objectContaining({ id: 'containerd-hosts-toml-malformed', fixable: true, fix: expect.stringContaining('regsetup doctor --fix') })]);
    const log: string[] = [];
    const s = await containerdState(h, realFixes(h, log));
    const outcomes = await walkFixes(await containerdCheck.run(s), { applyAll: true, note: (l) => log.push(l) });
    expect(outcomes).toEqual([expect.objectContaining({ status: 'applied', findings: ['containerd-hosts-toml-malformed@docker.io'] })]);
    expect(log.join('\n')).toMatch(/-\[host\."https:\/\/extra\.example\.com"/);
    expect(await read(HUB)).toBe(good);
    expect(h.restarts).toBe(0);
    // The journal keeps the same record (and the digest of the join it reproduced).
    const before = JSON.parse(journal).registries[HOST];
    const after = JSON.parse(await read(`${STATE}/state.json`)).registries[HOST];
    expect(after.runtimes.containerd).toEqual(before.runtimes.containerd);
    expect(after.desiredDigest).toBe(before.desiredDigest);
    expect(await check()).toEqual([]);
  });

  it('config_path gone from config.toml and containerd restarted without it: join again sets it and restarts containerd (its activation, no signal)', async () => {
    await node(withPath());
    await joinContainerd(h, joined());
    await write(CONFIG, configToml(h.fake.socket, null));
    await h.boot();
    const found = await check();
    expect(found).toEqual([expect.objectContaining({ id: 'containerd-config-path-unset', severity: 'error', fixable: true })]);
    const outcomes = await walkFixes(await containerdCheck.run(await containerdState(h, realFixes(h))), { applyAll: true, note: () => undefined });
    expect(outcomes.map((o) => o.status)).toEqual(['applied']);
    expect(outcomes[0]!.detail).toContain('containerd (CRI): restarted; over CRI (RuntimeService.Status) shows the new settings');
    expect(await read(CONFIG)).toContain(`config_path = "${ROOT}"`);
    expect(h.restarts).toBe(1);
    expect(await check()).toEqual([]);
  });

  it('not restarted since config_path was set: the restart fix, confirmed over CRI', async () => {
    await node(withoutPath());
    await write(CONFIG, configToml(h.fake.socket));
    const log: string[] = [];
    const outcomes = await walkFixes(await containerdCheck.run(await containerdState(h, realFixes(h, log))), { applyAll: true, note: (l) => log.push(l) });
    expect(outcomes).toEqual([expect.objectContaining({ status: 'applied', detail: [`restarted containerd (CRI); CRI shows config_path ${ROOT}`] })]);
    expect(log.join('\n')).toContain('never a SIGHUP');
    expect(h.restarts).toBe(1);
    expect(await check()).toEqual([]);
  });

  it('the deprecated-section trap with CRI down: the join moves them into hosts.toml, restarts containerd, and CRI is back', async () => {
    await node(withPath());
    await joinContainerd(h, joined());
    await write(CONFIG, configToml(h.fake.socket, ROOT, MIRRORS_TRAP));
    await h.boot();
    const found = await check();
    expect(ids(found)).toEqual(['containerd-cri-unavailable', 'containerd-deprecated-registry']);
    expect(found[1]).toMatchObject({ fixable: true });
    const outcomes = await walkFixes(await containerdCheck.run(await containerdState(h, realFixes(h))), { applyAll: true, note: () => undefined });
    expect(outcomes.map((o) => [o.findings, o.status])).toEqual([[['containerd-deprecated-registry@'], 'applied']]);
    expect(await read(CONFIG)).not.toContain('registry.mirrors');
    expect(await read(`${ROOT}/quay.io/hosts.toml`)).toContain('[host."https://quay-mirror.example.com"]');
    expect(h.restarts).toBe(1);
    expect(await check()).toEqual([]);
  });

  it('refuses to rebuild a join it cannot reproduce (the CA join installed was replaced): nothing written', async () => {
    await node(withPath());
    await joinContainerd(h, joined());
    await write(`${ROOT}/${HOST}/ca.crt`, await makeCa());
    const broken = `${await read(HUB)}[oops\n`;
    await write(HUB, broken);
    const outcomes = await walkFixes(await containerdCheck.run(await containerdState(h, realFixes(h))), { applyAll: true, note: () => undefined });
    expect(outcomes).toEqual([expect.objectContaining({ status: 'failed', detail: [expect.stringContaining(`${ROOT}/${HOST}/ca.crt, the CA join installed, is missing or was changed`)] })]);
    expect(await read(HUB)).toBe(broken);
  });
});
