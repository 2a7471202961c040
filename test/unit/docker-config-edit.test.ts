import { describe, expect, it } from 'vitest';
import { credentialKey, editDockerConfig } from '../../src/core/docker-config-edit.js';

const auth = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64');

describe('editDockerConfig', () => {
  it('adds credHelpers to a missing or blank config, in docker/cli style', () => {
    expect(editDockerConfig(undefined, { setHelpers: { 'r.example:5000': 'regsetup' } }).text).toMatchInlineSnapshot(`
      "{
      	"credHelpers": {
      		"r.example:5000": "regsetup"
      	}
      }
      "
    `);
  });

  it('moves one registry off plaintext and leaves every other key and its formatting alone', () => {
    const before = [
      '{',
      '    "auths": {',
      `        "nexus.example.com": { "auth": "${auth('ci', 'pw1')}" },`,
      `        "other.example": { "auth": "${auth('bob', 'pw2')}" }`,
      '    },',
      '    "credsStore": "desktop",',
      '    "credHelpers": { "gcr.io": "gcloud" },',
      '    "proxies": { "default": { "httpProxy": "http://proxy:3128" } }',
      '}',
      '',
    ].join('\r\n');
    const edit = editDockerConfig(before, { setHelpers: { 'nexus.example.com': 'regsetup' }, removeAuths: ['nexus.example.com'] });
    expect(edit.changed).toBe(true);
    expect(edit.removedAuths).toEqual(['nexus.example.com']);
    expect(edit.text.split('\r\n').join('\n')).toMatchInlineSnapshot(`
      "{
          "auths": {
              "other.example": { "auth": "Ym9iOnB3Mg==" }
          },
          "credsStore": "desktop",
          "credHelpers": { "gcr.io": "gcloud", "nexus.example.com": "regsetup" },
          "proxies": { "default": { "httpProxy": "http://proxy:3128" } }
      }
      "
    `);
    expect(edit.text).toContain('\r\n');
  });

  it('matches auths keys written as URLs, and keys Docker Hub by its index URL', () => {
    const before = JSON.stringify({ auths: { 'https://nexus.example.com/v1/': { auth: auth('a', 'b') }, 'https://index.docker.io/v1/': { auth: auth('c', 'd') } } }, null, '\t');
    const edit = editDockerConfig(before, { setHelpers: { 'nexus.example.com': 'regsetup', [credentialKey('docker.io')]: 'regsetup' }, removeAuths: ['nexus.example.com', 'docker.io'] });
    expect(edit.removedAuths).toEqual(['https://nexus.example.com/v1/', 'https://index.docker.io/v1/']);
    expect(edit.text).toMatchInlineSnapshot(`
      "{
      	"auths": {},
      	"credHelpers": {
      		"nexus.example.com": "regsetup",
      		"https://index.docker.io/v1/": "regsetup"
      	}
      }"
    `);
  });

  it('removes the last of several entries with its line and the comma before it', () => {
    const before = `{\n  "auths": {\n    "a.example": {},\n    "b.example": { "auth": "${auth('u', 'p')}" }\n  }\n}\n`;
    expect(editDockerConfig(before, { removeAuths: ['b.example'] }).text).toMatchInlineSnapshot(`
      "{
        "auths": {
          "a.example": {}
        }
      }
      "
    `);
  });

  it('drops a credHelpers entry only while it still names the given helper', () => {
    const before = '{"credHelpers":{"a.example":"regsetup","b.example":"pass"}}\n';
    expect(editDockerConfig(before, { removeHelpers: { keys: ['a.example', 'b.example'], helper: 'regsetup' } }).text).toBe('{"credHelpers":{"b.example":"pass"}}\n');
  });

  it('drops credHelpers itself with its last entry, so logout leaves the file as login found it', () => {
    const before = '{\n  "auths": {},\n  "credHelpers": {\n    "a.example": "regsetup"\n  }\n}\n';
    expect(editDockerConfig(before, { removeHelpers: { keys: ['a.example'], helper: 'regsetup' } }).text).toBe('{\n  "auths": {}\n}\n');
  });

  it('changes nothing when it is already so', () => {
    const before = '{ "credHelpers": { "a.example": "regsetup" } }';
    expect(editDockerConfig(before, { setHelpers: { 'a.example': 'regsetup' }, removeAuths: ['a.example'] })).toEqual({ text: before, bytes: Buffer.from(before), changed: false, removedAuths: [] });
  });

  it('refuses a config.json it cannot read (exit 4), rather than rewriting it', () => {
    expect(() => editDockerConfig('{"auths": {', { setHelpers: { 'a.example': 'regsetup' } }, '/root/.docker/config.json')).toThrow(
      expect.objectContaining({ code: 'ERR_DOCKER_CONFIG_MALFORMED', exitCode: 4 }),
    );
  });
});
