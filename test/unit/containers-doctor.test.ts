import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/core/digest.js';
import { containersCheckFor } from '../../src/doctor/checks/containers.js';
import type { Finding } from '../../src/doctor/types.js';
import { stateFor } from './helpers/doctor-fixtures.js';
import { pem } from './helpers/join-fixtures.js';

const check = containersCheckFor({ HOME: '/root' }, 0);
const HOST = 'nexus.example.com';
const DEBIAN = { '/etc/containers/registries.conf': '# see containers-registries.conf(5)\n', '/etc/containers/registries.conf.d/shortnames.conf': '[aliases]\n"a" = "docker.io/library/a"\n' };
const OURS = '/etc/containers/registries.conf.d/50-regsetup.conf';
const DROP_IN = '[[registry]]\nprefix = "docker.io"\nlocation = "docker.io"\n\n[[registry.mirror]]\nlocation = "nexus.example.com"\n';

const run = async (tree: Record<string, string>): Promise<Finding[]> => check.run(await stateFor({ tree }));
const ids = (found: Finding[]) => found.map((f) => f.id);

const journalWithCa = (path: string) =>
  JSON.stringify({
    version: 2,
    registries: { [HOST]: { registry: HOST, joinedAt: '2026-04-01T00:00:00.000Z', runtimes: { containers: { kind: 'podman', dropIn: OURS, entries: [{ prefix: HOST, mirrors: [] }], files: [{ path, sha256: sha256Hex(pem('lab CA')) }] } } } },
  });

describe('doctor: the containers files', () => {
  it('a clean Debian host with regsetup\'s drop-in: nothing to say', async () => {
    expect(await run({ ...DEBIAN, [OURS]: DROP_IN })).toEqual([]);
  });

  it('no /etc/containers: not a containers host, nothing checked', async () => {
    expect(await run({})).toEqual([]);
  });

  it.each([
    ['a version 1 registries.conf', { '/etc/containers/registries.conf': "[registries.search]\nregistries = ['docker.io']\n" }, ['registries-conf-v1'], /line 1: version 1/],
    ['registries.conf mixing v1 and v2', { '/etc/containers/registries.conf': '[[registry]]\nlocation = "a.example"\n[registries.search]\nregistries = ["x"]\n' }, ['registries-conf-invalid'], /\(line 3\): mixing sysregistry v1\/v2/],
    ['a drop-in that does not parse', { [OURS]: '[[registry]\n' }, ['registries-conf-invalid'], /50-regsetup\.conf is not valid TOML: .* at line 1/],
    ['a user registries.conf', { '/root/.config/containers/registries.conf': 'unqualified-search-registries = ["docker.io"]\n', [OURS]: DROP_IN }, ['registries-conf-user-masks'], /podman run by this user reads it instead/],
    ['a later drop-in over regsetup\'s', { [OURS]: DROP_IN, '/etc/containers/registries.conf.d/99-corp.conf': '[[registry]]\nlocation = "docker.io"\n' }, ['registries-conf-shadowed'], /99-corp\.conf is read after/],
    ['a containers certs.d directory hiding Docker\'s CA', { [`/etc/containers/certs.d/${HOST}/.keep`]: '', [`/etc/docker/certs.d/${HOST}/ca.crt`]: pem('lab CA') }, ['containers-ca-hidden'], /exists without a CA/],
    ['the CA regsetup installed, gone', { '/var/lib/regsetup/state.json': journalWithCa(`/etc/containers/certs.d/${HOST}/ca.crt`) }, ['containers-ca-missing'], /installed by regsetup join\) is missing/],
  ])('%s', async (_name, tree, expected, seen) => {
    const found = await run({ ...DEBIAN, ...tree });
    expect(ids(found)).toEqual(expected);
    expect(found[0]!.seen).toMatch(seen);
    expect(found[0]!.cause).not.toBe('');
  });
});
