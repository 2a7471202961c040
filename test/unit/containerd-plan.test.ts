import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { emptyJournal, forgetRegistry, recordJoin, type Journal, type JournalEntry } from '../../src/core/journal.js';
import { composeJoin, composeLeave } from '../../src/core/plan-compose.js';
import { isEmptyPlan, planActions, type Plan, type ResolvedDesired } from '../../src/core/plan-types.js';
import { registrySettings } from '../../src/runtimes/containerd/config.js';
import { DROP_IN } from '../../src/runtimes/containerd/config-edit.js';
import { containerdDrift } from '../../src/runtimes/containerd/drift.js';
import { hostDir, planContainerd } from '../../src/runtimes/containerd/plan.js';
import { containerdRecord } from '../../src/runtimes/containerd/record.js';
import type { ContainerdSnapshot } from '../../src/runtimes/containerd/snapshot.js';
import { unplanContainerd } from '../../src/runtimes/containerd/unplan.js';
import { desired as dockerDesired, failure, pem } from './helpers/join-fixtures.js';

const NOW = Date.parse('2026-05-01T10:00:00Z');
const CONFIG = '/etc/containerd/config.toml';
const ROOT = '/etc/containerd/certs.d';
const fixture = (name: string) => readFileSync(new URL(`../fixtures/containerd/${name}`, import.meta.url), 'utf8');
const SESSION = { id: 'containerd', label: 'containerd (CRI)', configFile: CONFIG };
const WITH_PATH = `version = 2\n\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${ROOT}"\n`;

type Snap = ContainerdSnapshot & { journal?: Journal };

function snapshot(overrides: Partial<Snap> = {}): Snap {
  return {
    version: { major: 1, minor: 6, text: '1.6.20' },
    config: { path: CONFIG, text: WITH_PATH },
    imports: [],
    hostsFiles: {},
    hostDirs: {},
    running: true,
    canRestart: true,
    provider: { config: { path: '/etc/kubernetes/credential-provider-config.yaml' }, executable: { path: '/usr/local/libexec/kubernetes/credential-providers/regsetup' } },
    selfCommand: ['/usr/local/bin/regsetup'],
    ...overrides,
  };
}

const desired = (o: Parameters<typeof dockerDesired>[0] = {}): ResolvedDesired => dockerDesired({ registry: 'nexus.example.com', mirrors: ['https://nexus.example.com'], ...o });

function join(s: Snap, d: ResolvedDesired, now = NOW): Plan {
  const journal = s.journal ?? emptyJournal();
  const entry = journal.registries[d.registry];
  const runtime = planContainerd(SESSION, s, d, containerdRecord(entry?.runtimes.containerd), { journal, ...(entry ? { entry } : {}), now });
  return composeJoin([runtime], { journal, registry: d.registry, now });
}

function leave(s: Snap, registry: string): Plan {
  const journal = s.journal!;
  const entry = journal.registries[registry]!;
  const runtime = unplanContainerd(SESSION, s, containerdRecord(entry.runtimes.containerd)!, { journal, entry, now: NOW, registry });
  return composeLeave([runtime], { journal, registry, now: NOW });
}

/** The host after a plan ran (files and journal), as the next snapshot would read it. */
function after(s: Snap, plan: Plan): Snap {
  const next: Snap = { ...s, hostsFiles: { ...s.hostsFiles }, config: { ...s.config }, imports: s.imports.map((f) => ({ ...f })), hostDirs: structuredClone(s.hostDirs) };
  for (const a of planActions(plan)) {
    const text = a.kind === 'write-file' ? a.after : undefined;
    if (a.path === s.config.path) next.config = text === undefined ? { path: a.path } : { path: a.path, text };
    else if (next.imports.some((f) => f.path === a.path)) next.imports = next.imports.map((f) => (f.path === a.path ? (text === undefined ? { path: a.path } : { path: a.path, text }) : f));
    else if (text === undefined) delete next.hostsFiles[a.path];
    else next.hostsFiles[a.path] = text;
  }
  let journal = s.journal ?? emptyJournal();
  if (plan.journal?.op === 'forget') journal = forgetRegistry(journal, plan.journal.registry);
  if (plan.journal?.op === 'record') journal = recordJoin(journal, plan.journal.entry as JournalEntry);
  for (const a of plan.journal?.also ?? []) journal = recordJoin(journal, { ...journal.registries[a.registry]!, runtimes: { ...journal.registries[a.registry]!.runtimes, [a.runtime]: a.record as never } });
  next.journal = journal;
  return next;
}

const write = (plan: Plan, path: string) => planActions(plan).find((a) => a.path === path && a.kind === 'write-file') as { after: string; before?: string } | undefined;
const part = (plan: Plan) => plan.runtimes[0]!;

describe('containerd: reading config.toml', () => {
  it.each([
    ['1.6 default (config_path = "")', fixture('config-default-1.6.toml'), { major: 1, minor: 6 }, undefined],
    ["Debian's package config (no registry table)", fixture('config-debian-1.6.toml'), { major: 1, minor: 6 }, undefined],
    ['1.6 with config_path', WITH_PATH, { major: 1, minor: 6 }, [ROOT]],
    ['2.x layout on 2.1 (no default)', fixture('config-2.x-layout.toml'), { major: 2, minor: 1 }, undefined],
    ['2.x layout on 2.2 (the default path)', fixture('config-2.x-layout.toml'), { major: 2, minor: 2 }, [ROOT, '/etc/docker/certs.d']],
  ])('%s', (_name, text, v, configPath) => {
    const s = registrySettings({ version: { ...v, text: `${v.major}.${v.minor}.0` }, config: { path: CONFIG, text }, imports: [] });
    expect(s.configPath).toEqual(configPath);
    expect(s.deprecated).toEqual([]);
  });

  it('a 1.x import that defines the CRI section replaces the main one wholesale', () => {
    const imported = { path: '/etc/containerd/conf.d/99-nvidia.toml', text: 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "nvidia"\n' };
    const s = registrySettings({ version: { major: 1, minor: 7, text: '1.7.0' }, config: { path: CONFIG, text: WITH_PATH }, imports: [imported] });
    expect(s.configPath).toBeUndefined();
    expect(s.criFile).toBe(imported.path);
  });

  it('finds the deprecated sections that kill CRI next to config_path, with their lines', () => {
    const text = `${WITH_PATH}\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\n  endpoint = ["https://mirror.example.com"]\n[plugins."io.containerd.grpc.v1.cri".registry.configs."nexus.example.com".tls]\n  ca_file = "/etc/ca.crt"\n`;
    const s = registrySettings({ version: { major: 1, minor: 6, text: '1.6' }, config: { path: CONFIG, text }, imports: [] });
    expect(s.deprecated.map((d) => [d.line, d.what])).toEqual([
      [6, 'registry.mirrors."docker.io"'],
      [8, 'registry.configs."nexus.example.com".tls'],
    ]);
  });

  it('refuses a config.toml that does not parse, naming the line', () => {
    const error = failure(() => registrySettings({ version: { major: 1, minor: 6, text: '1.6' }, config: { path: CONFIG, text: 'version = 2\n[plugins\n' }, imports: [] }));
    expect([error.code, error.exitCode]).toEqual(['ERR_TOML_MALFORMED', 4]);
    expect(error.message).toMatch(/line 2/);
  });
});

describe('containerd: join', () => {
  it('with config_path set: hosts.toml and the CA for the registry, docker.io/hosts.toml for the mirror; no restart, nothing signalled', () => {
    const plan = join(snapshot(), desired());
    expect(planActions(plan).map((a) => a.path).sort()).toEqual([`${ROOT}/docker.io/hosts.toml`, `${ROOT}/nexus.example.com/ca.crt`, `${ROOT}/nexus.example.com/hosts.toml`]);
    expect(part(plan).activation).toBe('none');
    const registry = parse(write(plan, `${ROOT}/nexus.example.com/hosts.toml`)!.after);
    expect(registry).toEqual({ server: 'https://nexus.example.com', host: { 'https://nexus.example.com': { capabilities: ['pull', 'resolve', 'push'], ca: [`${ROOT}/nexus.example.com/ca.crt`] } } });
    const hub = parse(write(plan, `${ROOT}/docker.io/hosts.toml`)!.after);
    expect(hub).toEqual({ server: 'https://registry-1.docker.io', host: { 'https://nexus.example.com': { capabilities: ['pull', 'resolve'], ca: [`${ROOT}/nexus.example.com/ca.crt`] } } });
    expect(write(plan, `${ROOT}/docker.io/hosts.toml`)!.after).toMatch(/^# Written by regsetup for nexus.example.com/);
  });

  it('a second identical join plans nothing at all', () => {
    const first = after(snapshot(), join(snapshot(), desired()));
    expect(isEmptyPlan(join(first, desired(), NOW + 1))).toBe(true);
  });

  it('mirrors of other upstreams get their own hosts.toml; skip_verify only with --insecure', () => {
    const d = desired({ caPem: undefined, insecure: true });
    d.mirrors.push({ upstream: 'ghcr.io', url: 'https://nexus.example.com:8083' });
    const p2 = join(snapshot(), d);
    expect(parse(write(p2, `${ROOT}/ghcr.io/hosts.toml`)!.after)).toEqual({ server: 'https://ghcr.io', host: { 'https://nexus.example.com:8083': { capabilities: ['pull', 'resolve'] } } });
    expect(parse(write(p2, `${ROOT}/nexus.example.com/hosts.toml`)!.after).host).toEqual({ 'https://nexus.example.com': { capabilities: ['pull', 'resolve', 'push'], skip_verify: true } });
    expect(planActions(p2).some((a) => a.path.endsWith('ca.crt'))).toBe(false);
  });

  it("appends to someone else's hosts.toml, keeping their hosts, comments and order", () => {
    const theirs = '# our own mirror\nserver = "https://registry-1.docker.io"\n\n[host."https://mirror.corp.example.com"]\n  capabilities = ["pull", "resolve"]\n';
    const s = snapshot({ hostsFiles: { [`${ROOT}/docker.io/hosts.toml`]: theirs }, hostDirs: { [ROOT]: ['docker.io'] } });
    const plan = join(s, desired());
    const text = write(plan, `${ROOT}/docker.io/hosts.toml`)!.after;
    expect(text.startsWith(theirs.trimEnd())).toBe(true);
    expect(Object.keys(parse(text).host as object)).toEqual(['https://mirror.corp.example.com', 'https://nexus.example.com']);
    const left = after(after(s, plan), leave(after(s, plan), 'nexus.example.com'));
    expect(left.hostsFiles[`${ROOT}/docker.io/hosts.toml`]).toBe(theirs);
  });

  it('uses the host_port_ directory when that is the one that exists (containerd looks there first)', () => {
    const s = snapshot({ hostDirs: { [ROOT]: ['nexus.example.com_8443_'] } });
    expect(hostDir(s, ROOT, 'nexus.example.com:8443')).toBe(`${ROOT}/nexus.example.com_8443_`);
    expect(hostDir(s, ROOT, 'other.example.com:8443')).toBe(`${ROOT}/other.example.com:8443`);
  });

  it('refuses to append to a hosts.toml that does not parse, naming the line', () => {
    const s = snapshot({ hostsFiles: { [`${ROOT}/docker.io/hosts.toml`]: 'server = "https://registry-1.docker.io"\n[host."x"\n' }, hostDirs: { [ROOT]: ['docker.io'] } });
    const error = failure(() => join(s, desired()));
    expect([error.code, error.exitCode]).toEqual(['ERR_TOML_MALFORMED', 4]);
    expect(error.message).toMatch(/docker\.io\/hosts\.toml.*line 2/);
  });

  it("a hosts.toml regsetup created that no longer parses: a join refuses (pointing at doctor --fix); doctor's replaceUnparsable writes it anew, its old text as `before`", () => {
    const first = after(snapshot(), join(snapshot(), desired()));
    const hub = `${ROOT}/docker.io/hosts.toml`;
    const good = first.hostsFiles[hub]!;
    const broken = { ...first, hostsFiles: { ...first.hostsFiles, [hub]: `${good}[host."x"\n` }, hostDirs: { [ROOT]: ['docker.io', 'nexus.example.com'] } };
    const error = failure(() => join(broken, desired(), NOW + 1));
    expect([error.code, error.hint]).toEqual(['ERR_TOML_MALFORMED', expect.stringContaining('`regsetup doctor --fix` writes it anew')]);
    const repaired = join(broken, { ...desired(), replaceUnparsable: true }, NOW + 1);
    expect(planActions(repaired)).toEqual([expect.objectContaining({ path: hub, before: `${good}[host."x"\n`, after: good, reason: expect.stringContaining('no longer parses') })]);
    // Not regsetup's file: even doctor's repair refuses to write over it.
    const theirs = snapshot({ hostsFiles: { [hub]: 'server = "https://registry-1.docker.io"\n[host."x"\n' }, hostDirs: { [ROOT]: ['docker.io'] } });
    expect(failure(() => join(theirs, { ...desired(), replaceUnparsable: true })).hint).toContain('regsetup never rewrites a file it cannot read');
  });

  it('1.6 with config_path = "": sets it in place (other settings kept) and plans a restart, never a signal', () => {
    const text = fixture('config-default-1.6.toml');
    const plan = join(snapshot({ config: { path: CONFIG, text } }), desired());
    const edited = write(plan, CONFIG)!.after;
    expect(edited.split('\n').filter((l, i) => l !== text.split('\n')[i])).toEqual([`      config_path = "${ROOT}"`]);
    expect(part(plan).activation).toBe('restart');
    expect(part(plan).activationDetail).toContain('never SIGHUP');
    expect(plan.journal?.op === 'record' && plan.journal.entry.runtimes.containerd).toMatchObject({ configEdit: { how: 'in-place', previous: '', value: ROOT } });
  });

  it("Debian's config without a registry table: the table is added, the file's own lines kept", () => {
    const text = fixture('config-debian-1.6.toml');
    const edited = write(join(snapshot({ config: { path: CONFIG, text } }), desired()), CONFIG)!.after;
    expect(edited.startsWith(text.trimEnd())).toBe(true);
    expect((parse(edited) as { plugins: Record<string, { registry?: unknown; cni?: unknown }> }).plugins['io.containerd.grpc.v1.cri']).toMatchObject({ registry: { config_path: ROOT }, cni: { bin_dir: '/usr/lib/cni' } });
  });

  it('2.1: a drop-in of its own plus the imports line; 2.2: nothing to change in the config', () => {
    const text = fixture('config-2.x-layout.toml');
    const on21 = join(snapshot({ version: { major: 2, minor: 1, text: '2.1.4' }, config: { path: CONFIG, text } }), desired());
    expect(parse(write(on21, DROP_IN)!.after)).toEqual({ version: 3, plugins: { 'io.containerd.cri.v1.images': { registry: { config_path: ROOT } } } });
    expect((parse(write(on21, CONFIG)!.after) as { imports: string[] }).imports).toEqual([DROP_IN]);
    expect(part(on21).activation).toBe('restart');
    const on22 = join(snapshot({ version: { major: 2, minor: 2, text: '2.2.0' }, config: { path: CONFIG, text } }), desired());
    expect(planActions(on22).map((a) => a.path)).not.toContain(CONFIG);
    expect(part(on22).activation).toBe('none');
  });

  it.each(['never', 'reload'] as const)('--restart %s with a restart needed: exit 4, with why', (restart) => {
    const error = failure(() => join(snapshot({ config: { path: CONFIG, text: fixture('config-default-1.6.toml') } }), desired({ restart })));
    expect([error.code, error.exitCode]).toEqual(['ERR_RESTART_REQUIRED', 4]);
    expect(error.message).toMatch(/SIGHUP kills it/);
  });

  it('deprecated mirrors: refused with their lines; with --migrate-containerd-mirrors moved into hosts.toml', () => {
    const text = `version = 2\n\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = ""\n\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."quay.io"]\n  endpoint = ["https://quay-mirror.example.com"]\n`;
    const s = snapshot({ config: { path: CONFIG, text } });
    const error = failure(() => join(s, desired()));
    expect([error.code, error.exitCode]).toEqual(['ERR_CONTAINERD_DEPRECATED_REGISTRY', 4]);
    expect(error.message).toContain(`${CONFIG}:6: registry.mirrors."quay.io"`);
    const plan = join(s, desired({ migrateContainerdMirrors: true }));
    const config = write(plan, CONFIG)!.after;
    expect(config).not.toContain('mirrors');
    expect(parse(config)).toEqual({ version: 2, plugins: { 'io.containerd.grpc.v1.cri': { registry: { config_path: ROOT } } } });
    expect(parse(write(plan, `${ROOT}/quay.io/hosts.toml`)!.after).host).toEqual({ 'https://quay-mirror.example.com': { capabilities: ['pull', 'resolve'] } });
  });
});

describe('containerd: leave', () => {
  const joined = after(snapshot(), join(snapshot(), desired()));

  it('removes the files it created and its tables, and forgets the registry', () => {
    const plan = leave(joined, 'nexus.example.com');
    const left = after(joined, plan);
    expect(left.hostsFiles).toEqual({});
    expect(left.journal?.registries).toEqual({});
    expect(part(plan).activation).toBe('none');
  });

  it('puts config_path back as it was (and restarts) when the last registry leaves', () => {
    const text = fixture('config-default-1.6.toml');
    const s = snapshot({ config: { path: CONFIG, text } });
    const j = after(s, join(s, desired()));
    const plan = leave({ ...j, config: { path: CONFIG, text: j.config.text! } }, 'nexus.example.com');
    expect(write(plan, CONFIG)!.after).toBe(text);
    expect(part(plan).activation).toBe('restart');
  });

  it('hands the config_path edit over to a registry that still needs it', () => {
    const s = snapshot({ config: { path: CONFIG, text: fixture('config-default-1.6.toml') } });
    const one = after(s, join(s, desired()));
    const d2 = desired({ registry: 'other.example.com', mirrors: [], caPem: pem('other CA') });
    const two = after({ ...one, version: s.version }, join({ ...one, config: one.config }, d2));
    const plan = leave(two, 'nexus.example.com');
    expect(planActions(plan).map((a) => a.path)).not.toContain(CONFIG);
    expect(part(plan).activation).toBe('none');
    const rest = after(two, plan);
    expect(containerdRecord(rest.journal!.registries['other.example.com']!.runtimes.containerd)!.configEdit).toMatchObject({ how: 'in-place', previous: '' });
    expect(write(leave(rest, 'other.example.com'), CONFIG)!.after).toBe(fixture('config-default-1.6.toml'));
  });
});

describe('containerd: drift', () => {
  const joined = after(snapshot(), join(snapshot(), desired()));
  const record = containerdRecord(joined.journal!.registries['nexus.example.com']!.runtimes.containerd)!;
  const hub = `${ROOT}/docker.io/hosts.toml`;

  it.each([
    ['in place', {}, []],
    ['a table removed by hand', { [hub]: 'server = "https://registry-1.docker.io"\n' }, [`[host."https://nexus.example.com"] was removed from ${hub}`]],
    ['a table edited by hand', { [hub]: joined.hostsFiles[hub]!.replace('"resolve"', '"resolve", "push"') }, [`[host."https://nexus.example.com"] in ${hub} was changed`]],
    ['a broken file', { [hub]: 'server = \n' }, [`${hub} no longer parses as TOML (containerd ignores it and pulls without its mirrors)`]],
  ])('%s', (_name, files, expected) => {
    expect(containerdDrift({ ...joined, hostsFiles: { ...joined.hostsFiles, ...files } }, record).map((d) => d.what)).toEqual(expected);
  });

  it('config_path turned off by hand', () => {
    expect(containerdDrift({ ...joined, config: { path: CONFIG, text: 'version = 2\n' } }, record).map((d) => d.what)).toEqual([`CRI's config_path no longer names ${ROOT} (${CONFIG}): hosts.toml is not read`]);
  });
});
