import { describe, expect, it } from 'vitest';
import { parseToml } from '../../src/core/toml-text.js';
import { planActions, type Plan } from '../../src/core/plan-types.js';
import { toDockerInfo } from '../../src/host/docker-api.js';
import type { DockerSnapshot } from '../../src/runtimes/docker/snapshot.js';
import { afterPlan, CERTS, DAEMON_JSON, desired, dockerPart, pem, planJoin, planLeave, snapshot, type TestSnapshot } from './helpers/join-fixtures.js';

// Docker ≥ 29 with the containerd image store reads certs.d/<host>/hosts.toml (moby daemon/hosts.go):
// what join installs the classic way must also be in a hosts.toml that would otherwise hide it.

const NOW = Date.parse('2026-05-01T10:00:00Z');
const REG_TOML = `${CERTS}/nexus.example.com/hosts.toml`;
const HUB_TOML = `${CERTS}/docker.io/hosts.toml`;
const CA = `${CERTS}/nexus.example.com/ca.crt`;

/** `docker info` of a 29.x engine on the containerd image store, as the fake API would give it. */
const INFO_29 = toDockerInfo({ ServerVersion: '29.4.1', Driver: 'overlayfs', DriverStatus: [['driver-type', 'io.containerd.snapshotter.v1']], RegistryConfig: { Mirrors: [] } });

const store = (o: Partial<TestSnapshot> = {}, version = INFO_29.serverVersion): TestSnapshot => {
  const base = snapshot(o);
  return { ...base, dockerd: { ...base.dockerd, version, containerdStore: INFO_29.containerdStore } };
};
const write = (plan: Plan, path: string) => planActions(plan).find((a) => a.path === path && a.kind === 'write-file') as { after: string; before?: string } | undefined;
const hostsOf = (text: string) => parseToml(text, 'hosts.toml').host as Record<string, Record<string, unknown>>;
const record = (plan: Plan) => (plan.journal?.op === 'record' ? plan.journal.entry.runtimes.docker : undefined) as { hostsFiles?: unknown[] } | undefined;

const FOREIGN_REG = 'server = "https://nexus.example.com"\n\n[host."https://cache.corp.example.com"]\n  capabilities = ["pull", "resolve"]\n';

describe('the containerd image store (Docker ≥ 29)', () => {
  it('is what docker info says: DriverStatus driver-type io.containerd.snapshotter.v1', () => {
    expect(INFO_29).toMatchObject({ containerdStore: true, serverVersion: '29.4.1' });
  });

  it("a registry's hosts.toml that exists gets a table with the CA (the directory's ca.crt is not read when it is there)", () => {
    const s = store({ hostsToml: { [REG_TOML]: FOREIGN_REG } });
    const plan = planJoin(s, desired({ mirrors: [] }), NOW);
    const after = write(plan, REG_TOML)!.after;
    expect(after.startsWith(FOREIGN_REG)).toBe(true); // what was there stays, byte for byte, first
    expect(hostsOf(after)).toEqual({
      'https://cache.corp.example.com': { capabilities: ['pull', 'resolve'] },
      'https://nexus.example.com': { capabilities: ['pull', 'resolve', 'push'], ca: [CA] },
    });
    expect(actionsPaths(plan)).toEqual([CA, REG_TOML]);
    expect(dockerPart(plan).activation).toBe('none'); // hosts.toml is read at every pull
    expect(record(plan)?.hostsFiles).toEqual([{ path: REG_TOML, created: false, hosts: [{ url: 'https://nexus.example.com', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }] }]);
  });

  it('an insecure registry gets skip_verify there too: daemon.json insecure-registries no longer apply to it', () => {
    const plan = planJoin(store({ hostsToml: { [REG_TOML]: FOREIGN_REG } }), desired({ mirrors: [], insecure: true, caPem: undefined }), NOW);
    expect(hostsOf(write(plan, REG_TOML)!.after)['https://nexus.example.com']).toEqual({ capabilities: ['pull', 'resolve', 'push'], skip_verify: true });
    expect(JSON.parse(write(plan, DAEMON_JSON)!.after)['insecure-registries']).toEqual(['nexus.example.com']);
  });

  it("Docker Hub's hosts.toml with hosts of its own hides registry-mirrors: the mirror goes there too", () => {
    const hub = 'server = "https://registry-1.docker.io"\n\n[host."https://mirror.corp.example.com"]\n  capabilities = ["pull", "resolve"]\n';
    const plan = planJoin(store({ hostsToml: { [HUB_TOML]: hub } }), desired(), NOW);
    expect(Object.keys(hostsOf(write(plan, HUB_TOML)!.after))).toEqual(['https://mirror.corp.example.com', 'https://nexus.example.com']);
    expect(hostsOf(write(plan, HUB_TOML)!.after)['https://nexus.example.com']).toEqual({ capabilities: ['pull', 'resolve'], ca: [CA] });
    expect(dockerPart(plan).warnings).toContainEqual(expect.stringContaining('ignores registry-mirrors for Docker Hub'));
    expect(write(plan, DAEMON_JSON)).toBeDefined(); // daemon.json keeps the mirror: docker info shows it, the graph driver store uses it
  });

  it("a mirror with a private CA: Docker Hub's hosts.toml is created, since registry-mirrors get Docker Hub's TLS settings", () => {
    const plan = planJoin(store(), desired(), NOW);
    const created = write(plan, HUB_TOML)!;
    expect(created.before).toBeUndefined();
    expect(parseToml(created.after, 'hosts.toml').server).toBe('https://registry-1.docker.io');
    expect(hostsOf(created.after)).toEqual({ 'https://nexus.example.com': { capabilities: ['pull', 'resolve'], ca: [CA] } });
    // And leave takes it away again, with the CA and the daemon.json entry.
    const joined = afterPlan(store(), plan);
    const left = planLeave(joined, 'nexus.example.com', NOW + 1);
    expect(planActions(left).map((a) => [a.kind, a.path])).toEqual([
      ['remove-file', CA],
      ['remove-file', HUB_TOML],
      ['write-file', DAEMON_JSON],
    ]);
  });

  it("…but not over other mirrors of daemon.json, which the file would switch off: a warning says so", () => {
    const plan = planJoin(store({ daemonJsonText: '{ "registry-mirrors": ["https://mirror.corp.example.com"] }\n' }), desired(), NOW);
    expect(write(plan, HUB_TOML)).toBeUndefined();
    expect(dockerPart(plan).warnings).toContainEqual(expect.stringContaining('would switch off the other mirrors of daemon.json (https://mirror.corp.example.com)'));
  });

  it('joining again changes nothing; leave removes only its own table from a file that was there', () => {
    const first = store({ hostsToml: { [REG_TOML]: FOREIGN_REG } });
    const joined = afterPlan(first, planJoin(first, desired({ mirrors: [] }), NOW));
    const again = planJoin(joined, desired({ mirrors: [] }), NOW + 1);
    expect(planActions(again)).toEqual([]);
    const left = planLeave(joined, 'nexus.example.com', NOW + 2);
    expect(write(left, REG_TOML)!.after).toBe(FOREIGN_REG);
  });

  it('a hosts.toml that does not parse is left alone (dockerd falls back to the directory\'s certificates)', () => {
    const plan = planJoin(store({ hostsToml: { [REG_TOML]: 'server = "https://nexus.example.com\n' } }), desired({ mirrors: [] }), NOW);
    expect(actionsPaths(plan)).toEqual([CA]);
    expect(dockerPart(plan).warnings).toContainEqual(expect.stringContaining(`${REG_TOML} does not parse as TOML`));
  });

  it('a host_port_ directory hides host:port from the containerd store: said, not guessed at', () => {
    const plan = planJoin(store({ certsDirs: ['nexus.example.com_8443_'] }), desired({ registry: 'nexus.example.com:8443', mirrors: [] }), NOW);
    expect(dockerPart(plan).warnings).toContainEqual(expect.stringContaining(`${CERTS}/nexus.example.com_8443_ exists`));
  });

  it("a _default/hosts.toml with hosts stands in for Docker Hub's: said, and _default is not changed", () => {
    const plan = planJoin(store({ hostsToml: { [`${CERTS}/_default/hosts.toml`]: '[host."https://mirror.corp.example.com"]\n  capabilities = ["pull", "resolve"]\n' } }), desired(), NOW);
    expect(actionsPaths(plan)).toEqual([CA, DAEMON_JSON]);
    expect(dockerPart(plan).warnings).toContainEqual(expect.stringContaining('_default/hosts.toml lists hosts'));
  });

  it('with the graph driver store (or before Docker 29) hosts.toml is not touched', () => {
    const s: DockerSnapshot = snapshot({ hostsToml: { [REG_TOML]: FOREIGN_REG, [HUB_TOML]: 'server = "https://registry-1.docker.io"\n' } });
    const plan = planJoin(s, desired(), NOW);
    expect(actionsPaths(plan)).toEqual([CA, DAEMON_JSON]);
    expect(record(plan)).not.toHaveProperty('hostsFiles');
  });

  it.each([
    { version: '29.4.1', ca: true, warns: true },
    { version: '29.5.0-rc.1', ca: true, warns: true },
    { version: '29.5.0', ca: true, warns: false },
    { version: '30.0.0', ca: true, warns: false },
    { version: '29.0.0', ca: false, warns: false },
  ])('engine $version, custom CA $ca: the token endpoint warning is $warns', ({ version, ca, warns }) => {
    const plan = planJoin(store({}, version), desired({ mirrors: [], ...(ca ? {} : { caPem: undefined }) }), NOW);
    const warning = dockerPart(plan).warnings.find((w) => w.includes('#52600'));
    expect(warning !== undefined).toBe(warns);
    if (warns) expect(warning).toContain('--username');
  });

  it('the CA of a rotation is listed too', () => {
    const plan = planJoin(store({ hostsToml: { [REG_TOML]: FOREIGN_REG } }), desired({ mirrors: [], caPems: [pem('old'), pem('new')] }), NOW);
    const ca = hostsOf(write(plan, REG_TOML)!.after)['https://nexus.example.com']!.ca as string[];
    expect(ca).toHaveLength(2);
    expect(ca[0]).toBe(CA);
    expect(ca[1]).toMatch(/\/ca-[0-9a-f]{12}\.crt$/);
  });
});

const actionsPaths = (plan: Plan) => planActions(plan).map((a) => a.path);
