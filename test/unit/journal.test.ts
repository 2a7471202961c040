import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/core/digest.js';
import {
  driftReport,
  emptyJournal,
  fileOwner,
  forgetRegistry,
  parseJournal,
  recordJoin,
  serializeJournal,
  type JournalEntry,
} from '../../src/core/journal.js';
import { CERTS, DAEMON_JSON, pem, snapshot, failure } from './helpers/join-fixtures.js';

const CA = `${CERTS}/nexus.example.com/ca.crt`;
const entry: JournalEntry = {
  registry: 'nexus.example.com',
  joinedAt: '2026-05-01T10:00:00.000Z',
  daemonJsonPath: DAEMON_JSON,
  added: { mirrors: ['https://nexus.example.com'], insecure: ['nexus.example.com'] },
  files: [{ path: CA, sha256: sha256Hex(pem('lab CA')) }],
};
const journal = recordJoin(emptyJournal(), entry);

describe('parseJournal', () => {
  it('reads no journal (or a blank one) as empty', () => {
    expect(parseJournal(undefined)).toEqual({ version: 1, registries: {} });
    expect(parseJournal('  \n')).toEqual({ version: 1, registries: {} });
  });

  it('round-trips what it writes', () => {
    expect(parseJournal(serializeJournal(journal))).toEqual(journal);
    expect(serializeJournal(journal)).toMatch(/^\{\n {2}"version": 1,\n {2}"registries": \{\n/);
  });

  it.each([
    ['not JSON', '{"version": 1,', /is not valid JSON/],
    ['wrong shape', '{"version": 1, "registries": {"x": {"registry": "x"}}}', /registries\.x\.joinedAt/],
    ['a bad hash', serializeJournal(journal).replace(entry.files[0]!.sha256, 'abc'), /sha256: expected 64 lowercase hex digits/],
  ])('refuses %s with a hint, exit 4', (_name, text, message) => {
    const error = failure(() => parseJournal(text, '/var/lib/regsetup/state.json'));
    expect(error.code).toBe('ERR_JOURNAL_MALFORMED');
    expect(error.exitCode).toBe(4);
    expect(error.message).toMatch(message);
    expect(error.hint).toContain('/var/lib/regsetup/state.json');
  });

  it('refuses a journal from a newer regsetup', () => {
    expect(failure(() => parseJournal('{"version": 2, "registries": {}}')).code).toBe('ERR_JOURNAL_VERSION');
  });
});

describe('recordJoin / forgetRegistry', () => {
  it('add and remove one registry without touching the others or the input', () => {
    const two = recordJoin(journal, { ...entry, registry: 'other.example.com', files: [] });
    expect(Object.keys(two.registries)).toEqual(['nexus.example.com', 'other.example.com']);
    expect(Object.keys(journal.registries)).toEqual(['nexus.example.com']);
    expect(forgetRegistry(two, 'nexus.example.com').registries).toEqual({ 'other.example.com': { ...entry, registry: 'other.example.com', files: [] } });
    expect(Object.keys(two.registries)).toHaveLength(2);
  });

  it('finds who installed a file', () => {
    expect(fileOwner(journal, CA)?.entry.registry).toBe('nexus.example.com');
    expect(fileOwner(journal, `${CERTS}/x/ca.crt`)).toBeUndefined();
    expect(fileOwner(undefined, CA)).toBeUndefined();
  });
});

describe('driftReport', () => {
  const daemonJson = '{"registry-mirrors": ["https://nexus.example.com/"], "insecure-registries": ["NEXUS.example.com"]}';
  const host = (overrides = {}) => snapshot({ daemonJsonText: daemonJson, existingCaFiles: { 'nexus.example.com': { 'ca.crt': pem('lab CA') } }, ...overrides });

  it.each([
    { name: 'in place (trailing slash and case do not count)', host: host(), mirrors: [], insecure: [], file: 'ok', drifted: false },
    { name: 'mirror removed by hand', host: host({ daemonJsonText: '{"insecure-registries": ["nexus.example.com"]}' }), mirrors: ['https://nexus.example.com'], insecure: [], file: 'ok', drifted: true },
    { name: 'CA changed', host: host({ existingCaFiles: { 'nexus.example.com': { 'ca.crt': pem('other') } } }), mirrors: [], insecure: [], file: 'changed', drifted: true },
    { name: 'CA missing, no daemon.json', host: snapshot(), mirrors: ['https://nexus.example.com'], insecure: ['nexus.example.com'], file: 'missing', drifted: true },
  ])('$name', ({ host, mirrors, insecure, file, drifted }) => {
    const report = driftReport(journal, host);
    expect(report.drifted).toBe(drifted);
    expect(report.registries).toEqual([
      {
        registry: 'nexus.example.com',
        joinedAt: entry.joinedAt,
        daemonJsonPath: DAEMON_JSON,
        missingMirrors: mirrors,
        missingInsecure: insecure,
        files: [{ path: CA, state: file }],
        drifted,
      },
    ]);
  });

  it('reports an unreadable daemon.json instead of failing', () => {
    const report = driftReport(journal, host({ daemonJsonText: '{"a": 1,}' }));
    expect(report.daemonJsonError).toMatch(/trailing comma/);
    expect(report.drifted).toBe(true);
  });
});
