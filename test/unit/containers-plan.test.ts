import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/core/digest.js';
import { isEmptyPlan, planActions } from '../../src/core/plan-types.js';
import {
  afterContainersPlan,
  containersSnapshot,
  CONTAINERS_CERTS,
  CRIO,
  DOCKER_CERTS,
  DROP_IN,
  LAYOUT,
  part,
  planJoinContainers,
  planLeaveContainers,
  text,
  withDropIns,
  writeOf,
} from './helpers/containers-fixtures.js';
import { desired, failure, pem } from './helpers/join-fixtures.js';

const NOW = Date.parse('2026-05-01T10:00:00Z');
const CA = `${CONTAINERS_CERTS}/nexus.example.com/ca.crt`;
const tables = (toml: string) => (parse(toml) as { registry?: Array<Record<string, unknown>> }).registry ?? [];
const dropInOf = (plan: ReturnType<typeof planJoinContainers>) => writeOf(plan, DROP_IN)!.after;

describe('planContainers: a fresh host', () => {
  it('writes the CA, then one drop-in with docker.io and its mirror and the registry; no reload', () => {
    const plan = planJoinContainers(containersSnapshot(), desired(), NOW);
    expect(planActions(plan).map((a) => [a.kind, a.path])).toEqual([['write-file', CA], ['write-file', DROP_IN]]);
    expect(dropInOf(plan)).toMatchInlineSnapshot(`
      "# regsetup's registries for podman, buildah, skopeo and CRI-O (containers-registries.conf(5), version 2).
      # Every \`regsetup join\` and \`leave\` rewrites this file: change it with regsetup, not by hand.

      [[registry]]
      prefix = "docker.io"
      location = "docker.io"

      [[registry.mirror]]
      location = "nexus.example.com"

      [[registry]]
      prefix = "nexus.example.com"
      location = "nexus.example.com"

      "
    `);
    expect(writeOf(plan, CA)).toMatchObject({ after: pem('lab CA'), mode: 0o644 });
    expect(part(plan)).toMatchObject({ activation: 'none', kind: 'podman' });
    expect(plan.journal?.op === 'record' && plan.journal.entry.runtimes.containers).toEqual({
      kind: 'podman',
      dropIn: DROP_IN,
      entries: [
        { prefix: 'nexus.example.com', mirrors: [] },
        { prefix: 'docker.io', mirrors: ['nexus.example.com'] },
      ],
      files: [{ path: CA, sha256: sha256Hex(pem('lab CA')) }],
    });
  });

  it('a second identical join plans nothing at all', () => {
    const first = containersSnapshot();
    const second = planJoinContainers(afterContainersPlan(first, planJoinContainers(first, desired(), NOW)), desired(), NOW + 60_000);
    expect(isEmptyPlan(second)).toBe(true);
    expect(part(second).unchanged).toEqual([CA, DROP_IN]);
  });

  it('mirrors every upstream in its own table, the tables by prefix', () => {
    const d = desired({ caPem: undefined });
    d.mirrors.push({ upstream: 'ghcr.io', url: 'https://nexus.example.com:8083' }, { upstream: 'quay.io', url: 'http://cache.lan:5000' });
    const written = tables(dropInOf(planJoinContainers(containersSnapshot(), d, NOW)));
    expect(written.map((t) => [t.prefix, t.mirror])).toEqual([
      ['docker.io', [{ location: 'nexus.example.com' }]],
      ['ghcr.io', [{ location: 'nexus.example.com:8083' }]],
      ['nexus.example.com', undefined],
      // plain HTTP needs insecure = true (containers/image then skips TLS and falls back to http).
      ['quay.io', [{ location: 'cache.lan:5000', insecure: true }]],
    ]);
  });

  it('--insecure marks the registry and push registry tables and mirrors on them, nothing else', () => {
    const d = desired({ caPem: undefined, insecure: true, pushRegistry: 'nexus.example.com:8443' });
    d.mirrors.push({ upstream: 'docker.io', url: 'https://mirror.corp.example.com' });
    const written = tables(dropInOf(planJoinContainers(containersSnapshot(), d, NOW)));
    expect(written.map((t) => [t.prefix, t.insecure, t.mirror])).toEqual([
      ['docker.io', undefined, [{ location: 'nexus.example.com', insecure: true }, { location: 'mirror.corp.example.com' }]],
      ['nexus.example.com', true, undefined],
      ['nexus.example.com:8443', true, undefined],
    ]);
  });

  it('says how a mirror path differs for containers/image', () => {
    const plan = planJoinContainers(containersSnapshot(), desired({ mirrors: ['https://harbor.example.com/dockerhub-proxy'], caPem: undefined }), NOW);
    expect(tables(dropInOf(plan))[0]!.mirror).toEqual([{ location: 'harbor.example.com/dockerhub-proxy' }]);
    expect(part(plan).warnings.join('\n')).toContain('/v2/dockerhub-proxy/<image>');
  });
});

describe('planContainers: two registries share the drop-in', () => {
  const a = desired({ registry: 'nexus.example.com', mirrors: ['https://nexus.example.com'], caPem: undefined });
  const b = desired({ registry: 'harbor.example.com', mirrors: ['https://harbor.example.com', 'https://nexus.example.com'], caPem: undefined });
  const both = () => {
    const s0 = containersSnapshot();
    const s1 = afterContainersPlan(s0, planJoinContainers(s0, a, NOW));
    return afterContainersPlan(s1, planJoinContainers(s1, b, NOW + 1));
  };

  it('one docker.io table holds both mirrors; each record claims only what it added', () => {
    const s = both();
    const written = tables(s.dropIns.find((d) => d.path === DROP_IN)!.file.state === 'text' ? (s.dropIns.find((d) => d.path === DROP_IN)!.file as { text: string }).text : '');
    expect(written.map((t) => [t.prefix, (t.mirror as Array<{ location: string }> | undefined)?.map((m) => m.location)])).toEqual([
      ['docker.io', ['nexus.example.com', 'harbor.example.com']],
      ['harbor.example.com', undefined],
      ['nexus.example.com', undefined],
    ]);
    // nexus.example.com was already a docker.io mirror when harbor joined: not harbor's to remove.
    expect(s.journal!.registries['harbor.example.com']!.runtimes.containers!.entries).toEqual([
      { prefix: 'harbor.example.com', mirrors: [] },
      { prefix: 'docker.io', mirrors: ['harbor.example.com'] },
    ]);
  });

  it('leave of one removes only its own entries; leave of the last removes the file', () => {
    const s = both();
    const leaveA = planLeaveContainers(s, 'nexus.example.com', NOW + 2);
    const afterA = afterContainersPlan(s, leaveA);
    const left = tables((afterA.dropIns.find((d) => d.path === DROP_IN)!.file as { text: string }).text);
    // docker.io stays (harbor claims it); nexus.example.com's mirror goes, harbor's stays.
    expect(left.map((t) => [t.prefix, (t.mirror as Array<{ location: string }> | undefined)?.map((m) => m.location)])).toEqual([
      ['docker.io', ['harbor.example.com']],
      ['harbor.example.com', undefined],
    ]);
    expect(leaveA.journal).toMatchObject({ op: 'forget', registry: 'nexus.example.com' });
    const leaveB = planLeaveContainers(afterA, 'harbor.example.com', NOW + 3);
    expect(planActions(leaveB)).toEqual([expect.objectContaining({ kind: 'remove-file', path: DROP_IN })]);
  });

  it('a leave with the other registry still joined keeps a mirror both asked for', () => {
    const s = both();
    // harbor asked for nexus.example.com as a mirror too, but it was there already: nexus's leave removes it.
    const after = afterContainersPlan(s, planLeaveContainers(s, 'nexus.example.com', NOW + 2));
    expect(after.dropIns.some((d) => d.path === DROP_IN && (d.file as { text: string }).text.includes('location = "nexus.example.com"'))).toBe(false);
  });
});

describe('planContainers: the other registries files', () => {
  it('a version 1 registries.conf is read under the drop-in: the plan warns, naming the line', () => {
    const v1 = "# old\n[registries.search]\nregistries = ['docker.io']\n\n[registries.insecure]\nregistries = ['nexus.example.com']\n";
    const plan = planJoinContainers(containersSnapshot({ registriesConf: text(v1) }), desired({ caPem: undefined }), NOW);
    expect(part(plan).warnings.join('\n')).toContain('/etc/containers/registries.conf (line 2) is in the version 1 format');
    // Its insecure entry for the registry becomes a table our drop-in replaces: the copy keeps it insecure.
    expect(tables(dropInOf(plan))[1]).toEqual({ prefix: 'nexus.example.com', location: 'nexus.example.com', insecure: true });
  });

  it.each([
    ['v1 and v2 in registries.conf', { registriesConf: text('[[registry]]\nlocation = "a.example"\n\n[registries.search]\nregistries = ["docker.io"]\n') }, /registries\.conf \(line 4\): mixing sysregistry v1\/v2/],
    ['a v1 drop-in', { dropIns: [{ path: `${LAYOUT.dropInDir}/10-old.conf`, file: text('[registries.block]\nregistries = ["x.example"]\n') }] }, /10-old\.conf \(line 1\): registry must be in v2 format/],
    ['malformed TOML in regsetup\'s drop-in', { dropIns: [{ path: DROP_IN, file: text('[[registry]]\nprefix = "docker.io\n') }] }, /50-regsetup\.conf is not valid TOML: .* at line 2 column \d+/],
    ['a wrong type in another drop-in', { dropIns: [{ path: `${LAYOUT.dropInDir}/20-corp.conf`, file: text('[[registry]]\nlocation = "a.example"\n\n[[registry]]\nprefix = 5\n') }] }, /20-corp\.conf \(line 5\): registry\.1\.prefix: .*string/],
    ['a mirror without its registry (podman #5764)', { dropIns: [{ path: `${LAYOUT.dropInDir}/20-corp.conf`, file: text('[[registry.mirror]]\nlocation = "m.example"\n') }] }, /20-corp\.conf \(line 1\): .*podman #5764/],
    ['a scheme in a location', { dropIns: [{ path: `${LAYOUT.dropInDir}/20-corp.conf`, file: text('[[registry]]\nprefix = "a.example"\nlocation = "https://a.example"\n') }] }, /\(line 3\): invalid location 'https:\/\/a\.example'/],
    ['a binary drop-in', { dropIns: [{ path: DROP_IN, file: text('[[registry]]\n\0\0\0') }] }, /not a text file: a NUL byte at line 2/],
    ['a huge drop-in', { dropIns: [{ path: DROP_IN, file: { state: 'too-large' as const, size: 50_000_000 } }] }, /50000000 bytes/],
    ['a symlinked drop-in', { dropIns: [{ path: DROP_IN, file: { state: 'symlink' as const, target: '/srv/conf/registries.conf' } }] }, /symbolic link to \/srv\/conf\/registries\.conf/],
    ['a directory where the drop-in goes', { dropIns: [{ path: DROP_IN, file: { state: 'not-a-file' as const } }] }, /is not a regular file/],
  ])('refuses %s (exit 4, nothing planned)', (_name, overrides, message) => {
    const error = failure(() => planJoinContainers(containersSnapshot(overrides), desired(), NOW));
    expect(error.exitCode).toBe(4);
    expect(error.message).toMatch(message);
  });

  it('copies a table registries.conf has for the same prefix, and leave gives it back', () => {
    const conf = '[[registry]]\nprefix = "docker.io"\nlocation = "docker.io"\n\n[[registry.mirror]]\nlocation = "mirror.corp.example.com"\n';
    const s = containersSnapshot({ registriesConf: text(conf) });
    const plan = planJoinContainers(s, desired({ caPem: undefined }), NOW);
    expect(tables(dropInOf(plan))[0]!.mirror).toEqual([{ location: 'mirror.corp.example.com' }, { location: 'nexus.example.com' }]);
    expect(part(plan).warnings.join('\n')).toContain('docker.io is also defined in /etc/containers/registries.conf');
    const leave = planLeaveContainers(afterContainersPlan(s, plan), 'nexus.example.com', NOW + 1);
    expect(planActions(leave).map((a) => [a.kind, a.path])).toEqual([['remove-file', DROP_IN]]);
  });

  it('keeps what someone else put into regsetup\'s drop-in, and other top-level keys', () => {
    const own = '[[registry]]\nprefix = "quay.io"\nlocation = "quay.io"\nblocked = true\nfuture-key = "x"\n';
    const written = dropInOf(planJoinContainers(containersSnapshot({ dropIns: [{ path: DROP_IN, file: text(`short-name-mode = "enforcing"\n${own}`) }] }), desired({ caPem: undefined }), NOW));
    expect(parse(written)).toMatchObject({ 'short-name-mode': 'enforcing', registry: [{ prefix: 'docker.io' }, { prefix: 'nexus.example.com' }, { prefix: 'quay.io', blocked: true, 'future-key': 'x' }] });
  });

  it.each([
    ['a later drop-in replaces docker.io', (s: ReturnType<typeof containersSnapshot>) => withDropIns(s, { [`${LAYOUT.dropInDir}/99-corp.conf`]: '[[registry]]\nprefix = "docker.io"\nlocation = "docker.io"\n' }), /99-corp\.conf is read after .* replaces its docker\.io entry/],
    ['a user registries.conf masks the drop-ins', (s: ReturnType<typeof containersSnapshot>) => ({ ...s, userRegistriesConf: true }), /\/root\/\.config\/containers\/registries\.conf exists: podman run by this user reads it instead/],
    ['a namespace table wins for its images', (s: ReturnType<typeof containersSnapshot>) => ({ ...s, registriesConf: text('[[registry]]\nprefix = "docker.io/library"\nlocation = "docker.io/library"\n') }), /images under docker\.io\/library use the entry/],
    ['a blocked upstream', (s: ReturnType<typeof containersSnapshot>) => ({ ...s, registriesConf: text('[[registry]]\nlocation = "docker.io"\nblocked = true\n') }), /docker\.io is blocked/],
  ])('warns when %s', (_name, change, warning) => {
    expect(part(planJoinContainers(change(containersSnapshot()), desired(), NOW)).warnings.join('\n')).toMatch(warning);
  });
});

describe('planContainers: where the CA goes (the first existing certs.d directory wins)', () => {
  const lab = pem('lab CA');
  const host = 'nexus.example.com';
  it.each([
    ['neither directory exists: the containers one', {}, [CA], []],
    ['Docker\'s directory has the CA: nothing to do', { docker: { 'ca.crt': lab } }, [], [`${DOCKER_CERTS}/${host}/ca.crt`]],
    ['Docker\'s directory has it under another name', { docker: { 'corp.crt': lab } }, [], [`${DOCKER_CERTS}/${host}/corp.crt`]],
    ['the containers directory exists without it (it hides Docker\'s)', { containers: { 'other.crt': pem('other') }, docker: { 'ca.crt': lab } }, [CA], []],
    ['Docker\'s directory has another CA: the containers one, which then hides it', { docker: { 'ca.crt': pem('old') } }, [CA], []],
    ['the containers directory has it under another name', { containers: { 'lab.crt': lab } }, [], [`${CONTAINERS_CERTS}/${host}/lab.crt`]],
  ])('%s', (_name, dirs, writes, unchanged) => {
    const plan = planJoinContainers(containersSnapshot({ certs: { [host]: dirs } }), desired({ mirrors: [] }), NOW);
    expect(planActions(plan).map((a) => a.path).filter((p) => p !== DROP_IN)).toEqual(writes);
    expect(part(plan).unchanged.filter((p) => p !== DROP_IN)).toEqual(unchanged);
  });

  it('names what a new containers directory hides', () => {
    const plan = planJoinContainers(containersSnapshot({ certs: { [host]: { docker: { 'ca.crt': pem('old') } } } }), desired(), NOW);
    expect(part(plan).warnings.join('\n')).toContain(`${CONTAINERS_CERTS}/${host} will hide ${DOCKER_CERTS}/${host} from podman, buildah, skopeo and CRI-O (the first existing directory wins): ca.crt there is no longer read`);
  });

  it('refuses to hide a client certificate in Docker\'s directory', () => {
    const error = failure(() => planJoinContainers(containersSnapshot({ certs: { [host]: { docker: { 'client.cert': 'C', 'client.key': 'K' } } } }), desired(), NOW));
    expect(error).toMatchObject({ code: 'ERR_CERTS_DIR_SHADOW', exitCode: 4 });
  });

  it('installs its own copy when Docker\'s is the CA regsetup installed for dockerd (leaving Docker must not take podman\'s trust)', () => {
    const dockerCa = `${DOCKER_CERTS}/${host}/ca.crt`;
    const journal = { version: 2 as const, registries: { [host]: { registry: host, joinedAt: '2026-04-01T00:00:00.000Z', runtimes: { docker: { kind: 'docker', daemonJsonPath: '/etc/docker/daemon.json', added: { mirrors: [], insecure: [] }, files: [{ path: dockerCa, sha256: sha256Hex(lab) }] } } } } };
    const plan = planJoinContainers(containersSnapshot({ journal, certs: { [host]: { docker: { 'ca.crt': lab } } } }), desired(), NOW);
    expect(planActions(plan).map((a) => a.path)).toContain(CA);
  });

  it('refuses to replace another CA in ca.crt, and warns about a user directory', () => {
    expect(failure(() => planJoinContainers(containersSnapshot({ certs: { [host]: { containers: { 'ca.crt': pem('old') } } } }), desired(), NOW))).toMatchObject({ code: 'ERR_CA_CONFLICT', exitCode: 4 });
    const plan = planJoinContainers(containersSnapshot({ certs: { [host]: { user: {} } } }), desired(), NOW);
    expect(part(plan).warnings.join('\n')).toContain(`/root/.config/containers/certs.d/${host} exists: podman run by this user reads only that directory`);
  });

  it('installs the client pair next to the CA, the key as a secret', () => {
    const plan = planJoinContainers(containersSnapshot(), desired({ clientCert: { cert: 'CERT\n', key: 'KEY\n' } }), NOW);
    expect(planActions(plan).map((a) => [a.path, a.kind === 'write-file' && a.mode, a.secret === true])).toEqual([
      [CA, 0o644, false],
      [`${CONTAINERS_CERTS}/${host}/client.cert`, 0o644, false],
      [`${CONTAINERS_CERTS}/${host}/client.key`, 0o600, true],
      [DROP_IN, 0o644, false],
    ]);
  });
});

describe('planContainers: CRI-O', () => {
  it.each([
    ['CRI-O runs: SIGHUP', { running: true, pid: 7, systemd: true }, 'auto', 'reload'],
    ['--restart never: not told, and says so', { running: true, pid: 7 }, 'never', 'none'],
    ['CRI-O installed but stopped', { running: false }, 'auto', 'none'],
  ] as const)('%s', (_name, crio, restart, activation) => {
    const plan = planJoinContainers(containersSnapshot({ crio }), desired({ restart }), NOW, CRIO);
    expect(part(plan).activation).toBe(activation);
    if (restart === 'never') expect(part(plan).warnings.join('\n')).toContain('systemctl reload crio');
  });

  it('nothing to reload when only the CA changes', () => {
    const s0 = containersSnapshot({ crio: { running: true, pid: 7 } });
    const s1 = afterContainersPlan(s0, planJoinContainers(s0, desired({ caPem: undefined }), NOW, CRIO));
    const plan = planJoinContainers(s1, desired(), NOW + 1, CRIO);
    expect(planActions(plan).map((a) => a.path)).toEqual([CA]);
    expect(part(plan).activation).toBe('none');
  });

  it('expects podman to show the drop-in\'s tables once it took', () => {
    const plan = planJoinContainers(containersSnapshot({ crio: { running: true, pid: 7 } }), desired({ caPem: undefined }), NOW, CRIO);
    expect(part(plan).expect).toEqual({
      tables: [
        { prefix: 'docker.io', location: 'docker.io', insecure: false, mirrors: [{ location: 'nexus.example.com', insecure: false }] },
        { prefix: 'nexus.example.com', location: 'nexus.example.com', insecure: false, mirrors: [] },
      ],
      gone: [],
    });
  });
});
