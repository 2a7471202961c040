import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { applyPlan, type ApplyPorts } from '../../src/apply/apply.js';
import { composeJoin, composeLeave } from '../../src/core/plan-compose.js';
import type { RegsetupError } from '../../src/core/errors.js';
import { parseJournal } from '../../src/core/journal.js';
import { nodeFiles } from '../../src/host/files.js';
import { containersRuntime } from '../../src/runtimes/containers/index.js';
import type { ContainersSession } from '../../src/runtimes/containers/session.js';
import { podmanCli, type Podman } from '../../src/runtimes/containers/podman-cli.js';
import { podmanConfigOutcome } from '../../src/runtimes/containers/verify/podman-config.js';
import { pullAndCheck } from '../../src/runtimes/containers/verify/pull.js';
import { selectSessions, sessionsForEntry } from '../../src/runtimes/registry.js';
import type { HostPorts, RuntimeSession } from '../../src/runtimes/types.js';
import { fakePodman, type FakePodmanOptions } from '../fakes/fake-podman.js';
import { desired, pem } from './helpers/join-fixtures.js';

const NOW = Date.parse('2026-05-01T10:00:00Z');
const STATE = '/var/lib/regsetup';
const DROP_IN = '/etc/containers/registries.conf.d/50-regsetup.conf';
const CA = '/etc/containers/certs.d/nexus.example.com/ca.crt';
const SHORTNAMES = '[aliases]\n  "alpine" = "docker.io/library/alpine"\n';

const CRIO_PROC = { '/proc/77/comm': 'crio\n', '/proc/77/cgroup': '0::/system.slice/crio.service\n', '/run/systemd/system/.keep': '' };

function node(tree: Record<string, string> = {}, options: FakePodmanOptions = {}) {
  const { fs } = memfs({
    '/usr/bin/podman': '#!/bin/sh\n',
    '/etc/containers/registries.conf': '# see containers-registries.conf(5)\n',
    '/etc/containers/registries.conf.d/shortnames.conf': SHORTNAMES,
    '/proc/1/comm': 'init\n',
    ...tree,
  });
  fs.chmodSync('/usr/bin/podman', 0o755);
  const files = nodeFiles(fs, { pollMs: 1 });
  const processes = fakePodman(files, options);
  let t = NOW;
  const host: HostPorts = { root: '/', files, processes, clock: { now: () => t }, sleep: async (ms) => void (t += ms), env: { HOME: '/root', PATH: '/usr/bin' } };
  const journal = async () => parseJournal(fs.existsSync(`${STATE}/state.json`) ? String(fs.readFileSync(`${STATE}/state.json`, 'utf8')) : '');
  const ports = (session: RuntimeSession): ApplyPorts => ({ files, sessions: new Map([[session.id, session]]), clock: { now: () => t }, sleep: host.sleep, log: () => undefined });
  const join = async (session: RuntimeSession, d = desired()) => {
    const j = await journal();
    const record = j.registries[d.registry]?.runtimes[session.id];
    const entry = j.registries[d.registry];
    const runtime = session.plan(await session.snapshot([d.registry], j), d, record, { journal: j, ...(entry ? { entry } : {}), now: t });
    return composeJoin([runtime], { journal: j, registry: d.registry, now: t });
  };
  return { fs, files, processes, host, journal, ports, join };
}

const opts = { stateDir: STATE, settleTimeoutMs: () => 2_000 };

async function failure(promise: Promise<unknown>): Promise<RegsetupError> {
  try {
    await promise;
  } catch (error) {
    return error as RegsetupError;
  }
  throw new Error('expected a failure');
}

describe('the containers runtime: detect and select', () => {
  it.each([
    ['podman installed, no daemon', {}, 'podman', 'podman'],
    ['CRI-O running under systemd', CRIO_PROC, 'crio', 'CRI-O (and podman)'],
  ])('%s → one session', async (_name, tree, kind, label) => {
    const sessions = await containersRuntime.detect(node(tree).host);
    expect(sessions.map((s) => [s.id, s.kind, s.label, s.running, s.serves])).toEqual([['containers', kind, label, true, ['podman', 'crio']]]);
  });

  it('finds nothing without podman, buildah, skopeo or a running crio', async () => {
    const h = node();
    h.fs.rmSync('/usr/bin/podman');
    expect(await containersRuntime.detect(h.host)).toEqual([]);
  });

  it.each([[['podman']], [['crio']], [['podman', 'crio']], [['auto']]])('--runtime %j selects the one session', async (choice) => {
    const sessions = await containersRuntime.detect(node(CRIO_PROC).host);
    expect(selectSessions(sessions, choice).map((s) => s.id)).toEqual(['containers']);
  });
});

describe('the containers session: apply, activate, confirm', () => {
  it('podman only: writes the files, tells nobody, journals the record', async () => {
    const h = node();
    const [session] = await containersRuntime.detect(h.host);
    const report = await applyPlan(await h.join(session!), h.ports(session!), opts);
    expect(report.changes.map((c) => [c.path, c.change])).toEqual([[CA, 'created'], [DROP_IN, 'created']]);
    expect(report.runtimes).toEqual([{ runtime: 'containers', label: 'podman', activation: 'none', activated: false }]);
    expect(String(h.fs.readFileSync(CA, 'utf8'))).toBe(pem('lab CA'));
    expect((await h.journal()).registries['nexus.example.com']!.runtimes.containers).toMatchObject({ kind: 'podman', dropIn: DROP_IN });
    expect(h.processes.calls).toEqual([]);
    expect(await podmanConfigOutcome({ podman: podmanCli(h.processes), files: h.files, snapshot: () => (session as ContainersSession).snapshot([], { version: 2, registries: {} }) })).toEqual({ detail: `podman uses the 2 entries of ${DROP_IN}` });
  });

  it('CRI-O: systemctl reload crio, then crio status config and podman\'s view confirm it', async () => {
    const h = node(CRIO_PROC);
    const [session] = await containersRuntime.detect(h.host);
    const report = await applyPlan(await h.join(session!), h.ports(session!), opts);
    expect(report.runtimes).toEqual([{ runtime: 'containers', label: 'CRI-O (and podman)', activation: 'reload', activated: true }]);
    expect(h.processes.calls).toEqual(['systemctl reload crio', 'crio status config', 'podman info --format json']);
  });

  it('a runtime that does not show the drop-in is rolled back byte for byte (exit 5)', async () => {
    const h = node(CRIO_PROC, { blind: () => true });
    const [session] = await containersRuntime.detect(h.host);
    const error = await failure(applyPlan(await h.join(session!), h.ports(session!), opts));
    expect(error).toMatchObject({ code: 'ERR_APPLY_ROLLED_BACK', exitCode: 5 });
    expect(error.message).toContain('podman has no registry entry for nexus.example.com');
    expect(h.fs.existsSync(DROP_IN)).toBe(false);
    expect(h.fs.existsSync(CA)).toBe(false);
    expect(h.processes.calls.filter((c) => c === 'systemctl reload crio')).toHaveLength(2);
  });

  it('CRI-O that stops answering after the reload is rolled back', async () => {
    const h = node(CRIO_PROC, { crioDown: true });
    const [session] = await containersRuntime.detect(h.host);
    expect((await failure(applyPlan(await h.join(session!), h.ports(session!), opts))).message).toContain('CRI-O does not answer `crio status config`: connection refused');
  });

  it.each([
    ['symlinked', (fs: ReturnType<typeof memfs>['fs']) => fs.symlinkSync('/srv/managed.conf', DROP_IN), 'ERR_UNSAFE_PATH'],
    ['huge', (fs: ReturnType<typeof memfs>['fs']) => fs.writeFileSync(DROP_IN, `# ${'x'.repeat(2 * 1024 * 1024)}\n`), 'ERR_CONTAINERS_FILE_TOO_LARGE'],
    ['binary', (fs: ReturnType<typeof memfs>['fs']) => fs.writeFileSync(DROP_IN, Buffer.from([0x5b, 0x5b, 0x00, 0xff, 0x0a])), 'ERR_REGISTRIES_CONF_MALFORMED'],
  ])('a %s drop-in on disk is refused before anything is written, and stays byte-identical', async (_name, make, code) => {
    const h = node({ '/srv/managed.conf': '[[registry]]\nprefix = "quay.io"\nlocation = "quay.io"\n' });
    make(h.fs);
    const before = h.fs.readFileSync(DROP_IN);
    const [session] = await containersRuntime.detect(h.host);
    expect(await failure(h.join(session!))).toMatchObject({ code, exitCode: 4 });
    expect(Buffer.from(h.fs.readFileSync(DROP_IN) as Buffer).equals(Buffer.from(before as Buffer))).toBe(true);
    expect(h.fs.existsSync(CA)).toBe(false);
  });

  it('leave works with podman gone (offline session) and removes what join wrote', async () => {
    const h = node();
    const [session] = await containersRuntime.detect(h.host);
    await applyPlan(await h.join(session!), h.ports(session!), opts);
    h.fs.rmSync('/usr/bin/podman');
    const journal = await h.journal();
    const entry = journal.registries['nexus.example.com']!;
    const { sessions, warnings } = await sessionsForEntry(h.host, await containersRuntime.detect(h.host), entry, ['crio']);
    expect(warnings).toEqual([]);
    expect(sessions.map((s) => [s.id, s.running])).toEqual([['containers', false]]);
    const leave = sessions[0]!.unplan(await sessions[0]!.snapshot(['nexus.example.com'], journal), entry.runtimes.containers!, { journal, entry, now: NOW });
    await applyPlan(composeLeave([leave], { journal, registry: 'nexus.example.com', now: NOW }), h.ports(sessions[0]!), opts);
    expect(h.fs.existsSync(DROP_IN)).toBe(false);
    expect(h.fs.existsSync('/etc/containers/certs.d/nexus.example.com')).toBe(false);
    expect(String(h.fs.readFileSync('/etc/containers/registries.conf.d/shortnames.conf', 'utf8'))).toBe(SHORTNAMES);
  });
});

describe('podman as a process', () => {
  // What podman 4.3.1 (Debian 12) prints, trimmed: "search" sits among the prefixes.
  const INFO = JSON.stringify({
    registries: {
      'docker.io': { Prefix: 'docker.io', Location: 'docker.io', Insecure: false, PullFromMirror: '', Mirrors: [{ Location: 'mirror.sandbox.test:5444', Insecure: false, PullFromMirror: '' }], Blocked: false, MirrorByDigestOnly: false },
      search: ['docker.io'],
    },
  });

  it('reads podman info\'s registries and RepoDigests with zod', async () => {
    const h = node({}, {
      answers: {
        'podman info --format json': { stdout: INFO },
        'podman image inspect --format json docker.io/library/hello:latest': { stdout: JSON.stringify([{ Id: 'abc', RepoDigests: ['docker.io/library/hello@sha256:1111'] }]) },
      },
    });
    const podman = podmanCli(h.processes);
    expect(Object.keys(await podman.registries())).toEqual(['docker.io']);
    expect(await podman.inspect('docker.io/library/hello:latest')).toEqual({ id: 'abc', repoDigests: ['docker.io/library/hello@sha256:1111'] });
  });

  it('a pull whose digest is not the mirror\'s fails, and the pulled image is removed again', async () => {
    let pulled = false;
    const podman: Podman = {
      run: async (args) => {
        if (args[0] === 'pull') pulled = true;
        return '';
      },
      registries: async () => ({}),
      inspect: async () => (pulled ? { id: 'x', repoDigests: ['docker.io/library/hello@sha256:2222'] } : undefined),
      remove: async () => {
        pulled = false;
      },
    };
    await expect(pullAndCheck(podman, 'docker.io/library/hello:latest', 'sha256:1111')).rejects.toThrow('its digest is not sha256:1111 (got docker.io/library/hello@sha256:2222)');
    expect(pulled).toBe(false);
  });
});
