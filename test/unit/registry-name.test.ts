import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/errors.js';
import {
  isLoopback,
  mirrorUrlFor,
  normalizeMirrorUrl,
  parseInsecureEntry,
  parseRegistry,
  sameMirror,
} from '../../src/core/registry-name.js';

describe('parseRegistry', () => {
  it.each([
    ['nexus.example.com', { host: 'nexus.example.com', hostPort: 'nexus.example.com' }],
    ['Nexus.Example.COM:8443', { host: 'nexus.example.com', port: 8443, hostPort: 'nexus.example.com:8443' }],
    ['localhost:5000', { host: 'localhost', port: 5000, hostPort: 'localhost:5000' }],
    ['registry', { host: 'registry', hostPort: 'registry' }],
    ['10.0.0.5:5000', { host: '10.0.0.5', port: 5000, hostPort: '10.0.0.5:5000' }],
    ['[::1]:5000', { host: '::1', port: 5000, hostPort: '[::1]:5000' }],
    ['[2001:DB8::1]', { host: '2001:db8::1', hostPort: '[2001:db8::1]' }],
    ['a-b.c1.example:1', { host: 'a-b.c1.example', port: 1, hostPort: 'a-b.c1.example:1' }],
    ['x.example:65535', { host: 'x.example', port: 65535, hostPort: 'x.example:65535' }],
    [`${'a'.repeat(63)}.example`, { host: `${'a'.repeat(63)}.example`, hostPort: `${'a'.repeat(63)}.example` }],
  ])('accepts %s', (input, expected) => {
    expect(parseRegistry(input)).toEqual(expected);
  });

  it.each([
    ['', /empty/],
    ['https://nexus.example.com', /scheme/],
    ['nexus.example.com/v2', /path/],
    ['nexus.example.com/', /path/],
    ['a..example', /empty label/],
    ['nexus .example.com', /spaces/],
    ['nexus.example.com\n', /control/],
    ['user:pw@nexus.example.com', /user info/],
    ['nexus.example.com?x=1', /query/],
    ['nexus.example.com#top', /fragment/],
    ['-nexus.example.com', /label "-nexus"/],
    ['nexus-.example.com', /label "nexus-"/],
    [`${'a'.repeat(64)}.example`, /longer than 63/],
    ['under_score.example', /label/],
    ['nexus.example.com.', /ends with a dot/],
    ['x.example:0', /port "0"/],
    ['x.example:65536', /port "65536"/],
    ['x.example:05000', /port "05000"/],
    ['x.example:', /port ""/],
    ['x.example:http', /port "http"/],
    ['::1', /IPv6 address needs brackets/],
    ['[::1', /not closed/],
    ['[::g]:5000', /not an IPv6/],
    ['256.1.1.1', /IPv4/],
    ['1.2.3', /IPv4/],
  ])('rejects %j', (input, message) => {
    const attempt = () => parseRegistry(input);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(expect.objectContaining({ code: 'ERR_BAD_REGISTRY', exitCode: ExitCode.usage }));
  });

  it('tells how to drop the scheme', () => {
    expect(() => parseRegistry('https://nexus.example.com:8443/')).toThrow(
      expect.objectContaining({ hint: expect.stringContaining('"nexus.example.com:8443"') }),
    );
  });
});

describe('isLoopback', () => {
  it.each([
    ['localhost:5000', true],
    ['127.0.0.1:5000', true],
    ['127.255.0.9', true],
    ['[::1]:5000', true],
    ['[0:0:0:0:0:0:0:1]', true],
    ['[::ffff:127.0.0.1]', true],
    ['10.0.0.1', false],
    ['128.0.0.1', false],
    ['[::2]', false],
    ['nexus.example.com', false],
    ['localhost.example.com', false],
  ])('%s → %s', (input, expected) => {
    expect(isLoopback(parseRegistry(input))).toBe(expected);
  });
});

describe('parseInsecureEntry', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['fd00::/8', 'fd00::/8'],
    ['Nexus.Example.com:5000', 'nexus.example.com:5000'],
    ['http://nexus.example.com:5000', 'nexus.example.com:5000'],
  ])('%s → %s', (input, expected) => {
    expect(parseInsecureEntry(input)).toBe(expected);
  });

  it.each(['10.0.0.0/33', 'nexus/8', 'a b'])('rejects %j', (input) => {
    expect(() => parseInsecureEntry(input)).toThrow();
  });
});

describe('normalizeMirrorUrl', () => {
  it.each([
    ['https://mirror.example.com', 'https://mirror.example.com'],
    ['https://mirror.example.com/', 'https://mirror.example.com'],
    ['HTTPS://Mirror.Example.com:8443//', 'https://mirror.example.com:8443'],
    ['http://10.0.0.5:5000', 'http://10.0.0.5:5000'],
    ['https://mirror.example.com/hub/', 'https://mirror.example.com/hub'],
    ['https://mirror.example.com/Hub', 'https://mirror.example.com/Hub'],
    ['https://[::1]:5000', 'https://[::1]:5000'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeMirrorUrl(input)).toBe(expected);
  });

  it.each([
    ['mirror.example.com', /no scheme/],
    ['mirror.example.com:5000', /no scheme/],
    ['ftp://mirror.example.com', /scheme "ftp"/],
    ['https://user:pw@mirror.example.com', /user info/],
    ['https://mirror.example.com?x=1', /query or fragment/],
    ['https://mirror.example.com/#x', /query or fragment/],
    ['https://', /empty/],
    ['https://mirror.example.com/a b', /spaces/],
  ])('rejects %j', (input, message) => {
    expect(() => normalizeMirrorUrl(input)).toThrow(message);
    expect(() => normalizeMirrorUrl(input)).toThrow(expect.objectContaining({ code: 'ERR_BAD_MIRROR' }));
  });

  it('never echoes a password from the URL', () => {
    expect(() => normalizeMirrorUrl('https://bob:s3cret@mirror.example.com')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cret') }),
    );
  });
});

describe('sameMirror and mirrorUrlFor', () => {
  it.each([
    ['https://m.example.com', 'https://M.example.com/', true],
    ['https://m.example.com', 'http://m.example.com', false],
    ['https://m.example.com:443', 'https://m.example.com', false],
    ['https://m.example.com/hub', 'https://m.example.com/hub/', true],
  ])('%s vs %s → %s', (a, b, expected) => {
    expect(sameMirror(a, b)).toBe(expected);
  });

  it('builds the mirror URL of a registry', () => {
    expect(mirrorUrlFor(parseRegistry('nexus.example.com:8443'))).toBe('https://nexus.example.com:8443');
    expect(mirrorUrlFor(parseRegistry('10.0.0.5:5000'), { insecure: true })).toBe('http://10.0.0.5:5000');
  });
});
