import { describe, expect, it } from 'vitest';
import { editDaemonJson, parseDaemonJson } from '../../src/core/daemon-json.js';
import { encodingRules } from '../../src/core/daemon-json-encoding.js';

const refusedWith = (code: string, message?: RegExp) => expect.objectContaining({ code, exitCode: 4, ...(message ? { message: expect.stringMatching(message) } : {}) });
const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('a UTF-8 BOM, per dockerd version (moby getConflictFreeConfiguration)', () => {
  const withBom = bytes([0xef, 0xbb, 0xbf], '{\n  "debug": true\n}\n');

  it.each(['20.10.24+dfsg1', '19.03.15', '23.0.0-rc.2', undefined, 'nonsense'])('%s refuses it: so do we, saying how to fix it', (version) => {
    const attempt = () => editDaemonJson(withBom, { addMirrors: ['https://m.example'] }, '/etc/docker/daemon.json', { dockerdVersion: version });
    expect(attempt).toThrow(refusedWith('ERR_DAEMON_JSON_BOM', /byte order mark/));
    expect(attempt).toThrow(expect.objectContaining({ hint: expect.stringContaining("sed -i '1s/^\\xEF\\xBB\\xBF//' /etc/docker/daemon.json") }));
  });

  it.each(['23.0.0', 'v24.0.7', '28.1.1'])('%s skips it: the BOM is kept and the edit goes after it', (version) => {
    const edit = editDaemonJson(withBom, { addMirrors: ['https://m.example'] }, 'daemon.json', { dockerdVersion: version });
    expect([...edit.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(parseDaemonJson(edit.bytes, 'daemon.json', { dockerdVersion: version })).toEqual({ debug: true, 'registry-mirrors': ['https://m.example'] });
  });

  it('refuses UTF-16 (with its BOM) whatever the version: we edit UTF-8 only', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{}', 'utf16le')]);
    expect(() => parseDaemonJson(utf16, 'daemon.json', { dockerdVersion: '27.0.0' })).toThrow(refusedWith('ERR_DAEMON_JSON_ENCODING', /UTF-16LE/));
  });

  it.each([
    ['20.10.24', { bom: false, invalidUtf8: true, known: true }],
    ['23.0.1', { bom: true, invalidUtf8: false, known: true }],
    ['', { bom: false, invalidUtf8: false, known: false }],
  ])('encodingRules(%j)', (version, rules) => {
    expect(encodingRules(version)).toEqual(rules);
  });
});

describe('bytes regsetup does not own', () => {
  // "café" in Latin-1: 0xE9 is not UTF-8.
  const latin1 = bytes('{\n  "labels": ["caf', [0xe9], '"],\n  "registry-mirrors": []\n}\n');

  it('dockerd 20.10 reads invalid UTF-8 as U+FFFD, and the edit writes the original byte back', () => {
    expect(parseDaemonJson(latin1, 'daemon.json', { dockerdVersion: '20.10.24' })).toMatchObject({ labels: ['caf\uFFFD'] });
    const edit = editDaemonJson(latin1, { addMirrors: ['https://m.example'] }, 'daemon.json', { dockerdVersion: '20.10.24' });
    expect(edit.bytes.includes(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x22]))).toBe(true);
    expect(edit.bytes.includes(Buffer.from('\uFFFD'))).toBe(false);
    // Every byte before the insertion point is the original's.
    const at = latin1.indexOf('[]');
    expect(edit.bytes.subarray(0, at + 1).equals(latin1.subarray(0, at + 1))).toBe(true);
  });

  it.each(['24.0.7', undefined])('dockerd %s refuses the whole file for it: so do we, naming the offset', (version) => {
    expect(() => parseDaemonJson(latin1, 'daemon.json', { dockerdVersion: version })).toThrow(refusedWith('ERR_DAEMON_JSON_ENCODING', /not valid UTF-8 at byte offset 19/));
  });

  it('refuses to rewrite text that already lost its bytes (U+FFFD), but reads it', () => {
    const lossy = '{"labels": ["caf\uFFFD"]}';
    expect(parseDaemonJson(lossy)).toEqual({ labels: ['caf\uFFFD'] });
    expect(() => editDaemonJson(lossy, { addMirrors: ['https://m.example'] })).toThrow(refusedWith('ERR_DAEMON_JSON_ENCODING', /U\+FFFD/));
    expect(editDaemonJson(lossy, {}).changed).toBe(false);
  });
});

describe('input dockerd would read differently', () => {
  it('refuses a duplicate key regsetup manages, naming both lines', () => {
    const text = '{\n  "registry-mirrors": ["https://a.example"],\n  "debug": true,\n  "registry-mirrors": []\n}\n';
    expect(() => editDaemonJson(text, { addMirrors: ['https://b.example'] })).toThrow(refusedWith('ERR_DAEMON_JSON_DUPLICATE_KEY', /"registry-mirrors" twice, at lines 2 and 4/));
  });

  it('lets an unmanaged duplicate pass (the last one wins, as in Go)', () => {
    expect(editDaemonJson('{"debug": false, "debug": true}', { addInsecure: ['r.example:5000'] }).text).toBe('{"debug": false, "debug": true, "insecure-registries": ["r.example:5000"]}');
  });

  it('refuses a managed key in another case (dockerd calls it unknown)', () => {
    expect(() => parseDaemonJson('{"Registry-Mirrors": []}')).toThrow(refusedWith('ERR_DAEMON_JSON_MALFORMED', /case-sensitive/));
  });

  it.each([
    ['{"a": ' + '['.repeat(10_000) + ']'.repeat(10_000) + '}', /nested too deeply \(more than 64 levels\) at line 1 column/],
    ['{"max-concurrent-downloads": 1e400}', /out of range/],
    ['{} {}', /after the top-level value/],
    ['{"a": "\t"}', /control character/],
    ['{"a": "\\x"}', /invalid escape/],
    ['{"a": 01}', /where "," or "}" should be/],
  ])('refuses %#', (text, message) => {
    expect(() => parseDaemonJson(text)).toThrow(refusedWith('ERR_DAEMON_JSON_MALFORMED', message));
  });

  it('accepts 64 levels', () => {
    expect(parseDaemonJson('{"a": ' + '['.repeat(63) + ']'.repeat(63) + '}')).toHaveProperty('a');
  });
});

describe('layout', () => {
  it('keeps a one-line file on one line', () => {
    const edit = editDaemonJson('{"debug":true,"registry-mirrors":["https://a.example"]}', { addMirrors: ['https://b.example'], addInsecure: ['r.example:5000'] });
    expect(edit.text).toBe('{"debug":true,"registry-mirrors":["https://a.example","https://b.example"],"insecure-registries":["r.example:5000"]}');
  });

  it('removes entries of an inline list in the middle, at the end, and all of them', () => {
    const text = '{"registry-mirrors": ["https://a.example", "https://b.example", "https://c.example"]}';
    expect(editDaemonJson(text, { removeMirrors: ['https://b.example'] }).text).toBe('{"registry-mirrors": ["https://a.example", "https://c.example"]}');
    expect(editDaemonJson(text, { removeMirrors: ['https://b.example', 'https://c.example'] }).text).toBe('{"registry-mirrors": ["https://a.example"]}');
    expect(editDaemonJson(text, { removeMirrors: ['https://a.example', 'https://b.example', 'https://c.example'] }).text).toBe('{"registry-mirrors": []}');
  });

  it('replaces and appends in one list in one go', () => {
    const text = '{\n  "insecure-registries": [\n    "a.example:5000",\n    "b.example:5000"\n  ]\n}\n';
    expect(editDaemonJson(text, { removeInsecure: ['b.example:5000'], addInsecure: ['c.example:5000'] }).text).toBe(
      '{\n  "insecure-registries": [\n    "a.example:5000",\n    "c.example:5000"\n  ]\n}\n',
    );
    expect(editDaemonJson(text, { removeInsecure: ['a.example:5000', 'b.example:5000'], addInsecure: ['c.example:5000'] }).text).toBe(
      '{\n  "insecure-registries": [\n    "c.example:5000"\n  ]\n}\n',
    );
  });

  it('edits a 3 MiB file', () => {
    // One key per line, the shape that took jsonc-parser's formatter super-linear time.
    const lines = Array.from({ length: 100_000 }, (_, i) => `  "key-${i}": "value-${i}-${'x'.repeat(8)}"`);
    const text = `{\n${lines.join(',\n')}\n}\n`;
    expect(text.length).toBeGreaterThan(3 * 1024 * 1024);
    const edit = editDaemonJson(Buffer.from(text), { addMirrors: ['https://m.example'], addInsecure: ['r.example:5000'] });
    const tail = ',\n  "registry-mirrors": [\n    "https://m.example"\n  ],\n  "insecure-registries": [\n    "r.example:5000"\n  ]\n}\n';
    expect(edit.bytes.equals(Buffer.from(text.slice(0, -3) + tail))).toBe(true);
  });

});
