import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/core/digest.js';
import { emptyJournal, fileOwner, forgetRegistry, parseJournal, recordJoin, serializeJournal, type JournalEntry } from '../../src/core/journal.js';
import { dockerDrift } from '../../src/runtimes/docker/drift.js';
import { dockerRecord } from '../../src/runtimes/docker/record.js';
import { CERTS, DAEMON_JSON, failure, pem, snapshot } from './helpers/join-fixtures.js';

const CA = `${CERTS}/nexus.example.com/ca.crt`;
const docker = {
  kind: 'docker',
  daemonJsonPath: DAEMON_JSON,
  added: { mirrors: ['https://nexus.example.com'], insecure: ['nexus.example.com'] },
  files: [{ path: CA, sha256: sha256Hex(pem('lab CA')) }],
};
const entry: JournalEntry = { registry: 'nexus.example.com', joinedAt: '2026-05-01T10:00:00.000Z', runtimes: { docker } };
const journal = recordJoin(emptyJournal(), entry);
const v1 = readFileSync(new URL('../fixtures/journal/v1-state.json', import.meta.url), 'utf8');

describe('parseJournal', () => {
  it('reads no journal (or a blank one) as empty', () => {
    expect(parseJournal(undefined)).toEqual({ version: 2, registries: {} });
    expect(parseJournal('  \n')).toEqual({ version: 2, registries: {} });
  });

  it('round-trips what it writes', () => {
    expect(parseJournal(serializeJournal(journal))).toEqual(journal);
    expect(serializeJournal(journal)).toMatch(/^\{\n {2}"version": 2,\n {2}"registries": \{\n/);
  });

  it.each([
    ['not JSON', '{"version": 2,', /is not valid JSON/],
    ['wrong shape', '{"version": 2, "registries": {"x": {"registry": "x"}}}', /registries\.x\.joinedAt/],
    ['a runtime record without a kind', serializeJournal(journal).replace('"kind": "docker"', '"kinds": "docker"'), /runtimes\.docker\.kind/],
    ['a bad hash', serializeJournal(journal).replace(docker.files[0]!.sha256, 'abc'), /sha256: expected 64 lowercase hex digits/],
    ['a malformed version 1', '{"version": 1, "registries": {"x": {"registry": "x"}}}', /version 1.*\n.*joinedAt/],
  ])('refuses %s with a hint, exit 4', (_name, text, message) => {
    const error = failure(() => parseJournal(text, '/var/lib/regsetup/state.json'));
    expect(error.code).toBe('ERR_JOURNAL_MALFORMED');
    expect(error.exitCode).toBe(4);
    expect(error.message).toMatch(message);
    expect(error.hint).toContain('/var/lib/regsetup/state.json');
  });

  it('refuses a journal from a newer regsetup', () => {
    expect(failure(() => parseJournal('{"version": 3, "registries": {}}')).code).toBe('ERR_JOURNAL_VERSION');
  });
});

describe('a version-1 journal (written by regsetup 0.1)', () => {
  const migrated = parseJournal(v1, '/var/lib/regsetup/state.json');

  it('reads as version 2 with the same facts in a docker record', () => {
    const old = JSON.parse(v1) as { registries: Record<string, Record<string, unknown>> };
    expect(migrated.version).toBe(2);
    expect(Object.keys(migrated.registries)).toEqual(Object.keys(old.registries));
    for (const [key, e] of Object.entries(old.registries)) {
      const now = migrated.registries[key]!;
      expect({ registry: now.registry, joinedAt: now.joinedAt, pushRegistry: now.pushRegistry }).toEqual({ registry: e.registry, joinedAt: e.joinedAt, pushRegistry: e.pushRegistry });
      expect(dockerRecord(now.runtimes.docker)).toEqual({
        kind: 'docker',
        daemonJsonPath: e.daemonJsonPath,
        added: e.added,
        files: e.files,
        ...(e.createdDaemonJson === undefined ? {} : { createdDaemonJson: e.createdDaemonJson }),
      });
    }
  });

  it('is written back as version 2 and reads the same again', () => {
    expect(parseJournal(serializeJournal(migrated))).toEqual(migrated);
  });
});

describe('recordJoin / forgetRegistry', () => {
  it('add and remove one registry without touching the others or the input', () => {
    const other = { ...entry, registry: 'other.example.com', runtimes: { docker: { ...docker, files: [] } } };
    const two = recordJoin(journal, other);
    expect(Object.keys(two.registries)).toEqual(['nexus.example.com', 'other.example.com']);
    expect(Object.keys(journal.registries)).toEqual(['nexus.example.com']);
    expect(forgetRegistry(two, 'nexus.example.com').registries).toEqual({ 'other.example.com': other });
    expect(Object.keys(two.registries)).toHaveLength(2);
  });

  it('finds who installed a file, and for which runtime', () => {
    expect(fileOwner(journal, CA)).toMatchObject({ entry: { registry: 'nexus.example.com' }, runtime: 'docker' });
    expect(fileOwner(journal, `${CERTS}/x/ca.crt`)).toBeUndefined();
    expect(fileOwner(undefined, CA)).toBeUndefined();
  });
});

describe('docker drift', () => {
  const daemonJson = '{"registry-mirrors": ["https://nexus.example.com/"], "insecure-registries": ["NEXUS.example.com"]}';
  const host = (overrides = {}) => snapshot({ daemonJsonText: daemonJson, existingCaFiles: { 'nexus.example.com': { 'ca.crt': pem('lab CA') } }, ...overrides });
  const record = dockerRecord(docker)!;

  it.each([
    { name: 'in place (trailing slash and case do not count)', host: host(), drift: [] },
    { name: 'mirror removed by hand', host: host({ daemonJsonText: '{"insecure-registries": ["nexus.example.com"]}' }), drift: [`registry-mirrors entry https://nexus.example.com was removed from ${DAEMON_JSON}`] },
    { name: 'CA changed', host: host({ existingCaFiles: { 'nexus.example.com': { 'ca.crt': pem('other') } } }), drift: [`${CA} is changed`] },
    {
      name: 'CA missing, no daemon.json',
      host: snapshot(),
      drift: [`registry-mirrors entry https://nexus.example.com was removed from ${DAEMON_JSON}`, `insecure-registries entry nexus.example.com was removed from ${DAEMON_JSON}`, `${CA} is missing`],
    },
  ])('$name', ({ host, drift }) => {
    expect(dockerDrift(host, record).map((d) => d.what)).toEqual(drift);
  });

  it('reports an unreadable daemon.json instead of failing', () => {
    const items = dockerDrift(host({ daemonJsonText: '{"a": 1,}' }), record);
    expect(items[0]!.what).toMatch(/trailing comma/);
  });
});
