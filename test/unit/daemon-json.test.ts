import { describe, expect, it } from 'vitest';
import {
  daemonJsonKeysSchema,
  detectFormatting,
  editDaemonJson,
  parseDaemonJson,
  validateDaemonJson,
  assertValidDaemonJson,
} from '../../src/core/daemon-json.js';
import { ExitCode } from '../../src/core/errors.js';

describe('parseDaemonJson', () => {
  it.each([
    ['', {}],
    ['  \n\t', {}],
    ['{"a": 1, "a": 2}', { a: 2 }],
    ['{\n  "registry-mirrors": ["https://m"]\n}\n', { 'registry-mirrors': ['https://m'] }],
  ])('reads %j', (text, expected) => {
    expect(parseDaemonJson(text)).toEqual(expected);
  });

  it.each([
    ['{\n  // mirrors\n  "debug": true\n}', /a comment .* at line 2 column 3/],
    ['{\n  "debug": true,\n}', /a trailing comma .* at line 3 column 1/],
    ['{\n  "a": [1, 2,],\n  "b": 1\n}', /a trailing comma .* at line 2 column 14/],
    ['{\n  "debug": true\n  "x": 1\n}', /at line 3 column 3/],
    ['{"debug": tru}', /at line 1 column 11/],
    ['{"debug": true', /at line 1 column 15/],
    ['{\r\n  "a": 1,\r\n  /* c */ "b": 2\r\n}', /a comment .* at line 3 column 3/],
    ["{'a': 1}", /at line 1 column 2/],
    ['[]', /must hold a JSON object/],
    ['"x"', /must hold a JSON object/],
    ['null', /must hold a JSON object/],
  ])('refuses %j', (text, message) => {
    const attempt = () => parseDaemonJson(text, '/etc/docker/daemon.json');
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(
      expect.objectContaining({ code: 'ERR_DAEMON_JSON_MALFORMED', exitCode: ExitCode.preflightRefused, hint: expect.any(String) }),
    );
  });

  it('names the file', () => {
    expect(() => parseDaemonJson('{,}', '/etc/docker/daemon.json')).toThrow(/^\/etc\/docker\/daemon.json is not valid JSON/);
  });
});

describe('validateDaemonJson', () => {
  it.each([
    [{}, []],
    [{ 'registry-mirrors': ['https://m.example.com/'], 'insecure-registries': ['10.0.0.0/8', 'r:5000'], 'log-driver': 'local' }, []],
    [{ 'registry-mirrors': ['m.example.com'] }, ['registry-mirrors[0]: not a mirror URL (http/https, no user info, query or fragment)']],
    [{ 'insecure-registries': ['ok:5000', 'bad host'] }, ['insecure-registries[1]: not a host[:port] or a CIDR']],
    [{ 'registry-mirrors': 'https://m' }, [expect.stringMatching(/^registry-mirrors: /)]],
  ])('%j → %j', (obj, problems) => {
    expect(validateDaemonJson(obj)).toEqual(problems);
  });

  it('keeps keys it does not manage', () => {
    expect(daemonJsonKeysSchema.parse({ 'data-root': '/srv/docker', 'registry-mirrors': [] })).toEqual({
      'data-root': '/srv/docker',
      'registry-mirrors': [],
    });
  });

  it('asserts with a usage error listing every problem', () => {
    expect(() => assertValidDaemonJson({ 'registry-mirrors': ['x'], 'insecure-registries': ['a b'] })).toThrow(
      expect.objectContaining({ code: 'ERR_DAEMON_JSON_INVALID', exitCode: ExitCode.usage, message: expect.stringMatching(/mirrors\[0\][\s\S]*registries\[0\]/) }),
    );
  });
});

describe('detectFormatting', () => {
  it.each([
    ['{"a":1}', { insertSpaces: true, tabSize: 2, eol: '\n' }],
    ['{\n    "a": 1\n}', { insertSpaces: true, tabSize: 4, eol: '\n' }],
    ['{\n\t"a": 1\n}', { insertSpaces: false, tabSize: 1, eol: '\n' }],
    ['{\r\n   "a": 1\r\n}\r\n', { insertSpaces: true, tabSize: 3, eol: '\r\n' }],
  ])('%j', (text, expected) => {
    expect(detectFormatting(text)).toEqual(expected);
  });
});

describe('editDaemonJson', () => {
  const mirror = 'https://nexus.example.com:8443';

  it('creates a formatted file from an empty one', () => {
    const out = editDaemonJson('', { addMirrors: [mirror], addInsecure: ['10.0.0.5:5000'] });
    expect(out.text).toMatchInlineSnapshot(`
      "{
        "registry-mirrors": [
          "https://nexus.example.com:8443"
        ],
        "insecure-registries": [
          "10.0.0.5:5000"
        ]
      }
      "
    `);
    expect(out).toMatchObject({ changed: true, added: { mirrors: [mirror], insecure: ['10.0.0.5:5000'] } });
  });

  it('keeps 4-space indentation and the other keys in order', () => {
    const text = '{\n    "log-driver": "json-file",\n    "log-opts": {\n        "max-size": "10m"\n    },\n    "live-restore": true\n}\n';
    expect(editDaemonJson(text, { addMirrors: [mirror] }).text).toMatchInlineSnapshot(`
      "{
          "log-driver": "json-file",
          "log-opts": {
              "max-size": "10m"
          },
          "live-restore": true,
          "registry-mirrors": [
              "https://nexus.example.com:8443"
          ]
      }
      "
    `);
  });

  it('keeps tabs', () => {
    const text = '{\n\t"debug": true,\n\t"registry-mirrors": [\n\t\t"https://old.example.com"\n\t]\n}\n';
    expect(editDaemonJson(text, { addMirrors: [mirror] }).text).toMatchInlineSnapshot(`
      "{
      	"debug": true,
      	"registry-mirrors": [
      		"https://old.example.com",
      		"https://nexus.example.com:8443"
      	]
      }
      "
    `);
  });

  it('keeps a missing final newline, CRLF and a BOM', () => {
    expect(editDaemonJson('{\n  "debug": true\n}', { addInsecure: ['r.example:5000'] }).text).toMatchInlineSnapshot(`
      "{
        "debug": true,
        "insecure-registries": [
          "r.example:5000"
        ]
      }"
    `);
    const crlfBom = '\uFEFF{\r\n  "debug": true\r\n}\r\n';
    const out = editDaemonJson(crlfBom, { addMirrors: [mirror] }, 'daemon.json', { dockerdVersion: '24.0.7' }).text;
    expect(out.startsWith('\uFEFF')).toBe(true);
    expect(out.replace(/\r\n/g, '')).not.toContain('\n');
    expect(JSON.parse(out.slice(1))).toEqual({ debug: true, 'registry-mirrors': [mirror] });
  });

  it('does not duplicate a mirror written with a trailing slash or other case', () => {
    const text = '{\n  "registry-mirrors": ["HTTPS://Nexus.example.com:8443/"],\n  "insecure-registries": ["R.example:5000"]\n}\n';
    const out = editDaemonJson(text, { addMirrors: [`${mirror}/`, mirror], addInsecure: ['r.example:5000'] });
    expect(out).toEqual({ text, bytes: Buffer.from(text), changed: false, added: { mirrors: [], insecure: [] }, removed: { mirrors: [], insecure: [] } });
  });

  it('adds each new entry once, after the existing ones', () => {
    const text = '{\n  "insecure-registries": [\n    "a.example:5000"\n  ]\n}\n';
    const out = editDaemonJson(text, { addInsecure: ['b.example:5000', 'B.example:5000', '10.1.0.0/16'] });
    expect(out.added.insecure).toEqual(['b.example:5000', '10.1.0.0/16']);
    expect(out.text).toMatchInlineSnapshot(`
      "{
        "insecure-registries": [
          "a.example:5000",
          "b.example:5000",
          "10.1.0.0/16"
        ]
      }
      "
    `);
  });

  it('leaves an empty list, not a missing key, when the last mirror goes', () => {
    const text = '{\n  "debug": true,\n  "registry-mirrors": [\n    "https://nexus.example.com:8443/"\n  ]\n}\n';
    const out = editDaemonJson(text, { removeMirrors: [mirror] });
    expect(out.removed.mirrors).toEqual(['https://nexus.example.com:8443/']);
    expect(out.text).toMatchInlineSnapshot(`
      "{
        "debug": true,
        "registry-mirrors": []
      }
      "
    `);
  });

  it('undoes its own addition: remove restores the content', () => {
    const text = '{\n    "debug": true,\n    "registry-mirrors": ["https://a.example"],\n    "insecure-registries": ["a.example:5000"]\n}\n';
    const joined = editDaemonJson(text, { addMirrors: [mirror], addInsecure: ['nexus.example.com:8443'] });
    const left = editDaemonJson(joined.text, { removeMirrors: [mirror], removeInsecure: ['Nexus.example.com:8443'] });
    expect(left.removed).toEqual({ mirrors: [mirror], insecure: ['nexus.example.com:8443'] });
    expect(parseDaemonJson(left.text)).toEqual(parseDaemonJson(text));
    expect(left.text).toBe(text);
  });

  it('removes only what was asked, keeping entries it cannot parse', () => {
    const text = '{"registry-mirrors": ["weird", "https://a.example", "https://b.example"]}';
    const out = editDaemonJson(text, { removeMirrors: ['https://a.example/'] });
    expect(JSON.parse(out.text)).toEqual({ 'registry-mirrors': ['weird', 'https://b.example'] });
  });

  it.each([
    ['', {}],
    ['{"debug": true}', { removeMirrors: [mirror] }],
    ['{\n\t"registry-mirrors": ["https://nexus.example.com:8443"]\n}', { addMirrors: [mirror] }],
  ])('returns the exact input when nothing changes: %j', (text, change) => {
    expect(editDaemonJson(text, change)).toMatchObject({ text, changed: false });
  });

  it.each([
    ['{"registry-mirrors": "https://a"}', {}, 'ERR_DAEMON_JSON_MALFORMED'],
    ['{"insecure-registries": [1]}', {}, 'ERR_DAEMON_JSON_MALFORMED'],
    ['{"a": 1,}', {}, 'ERR_DAEMON_JSON_MALFORMED'],
    ['{}', { addMirrors: ['nexus.example.com'] }, 'ERR_BAD_MIRROR'],
    ['{}', { addInsecure: ['https://x/y'] }, 'ERR_BAD_REGISTRY'],
  ])('refuses %j %j', (text, change, code) => {
    expect(() => editDaemonJson(text, change)).toThrow(expect.objectContaining({ code }));
  });
});
