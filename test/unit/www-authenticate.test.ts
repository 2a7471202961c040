import { describe, expect, it } from 'vitest';
import { findChallenge, parseChallenges } from '../../src/core/www-authenticate.js';
import type { Challenge } from '../../src/core/www-authenticate.js';

describe('parseChallenges', () => {
  it.each<[string, string | string[] | undefined, Challenge[]]>([
    ['nothing', undefined, []],
    ['empty', '', []],
    ['basic', 'Basic realm="Sonatype Nexus Repository Manager"', [{ scheme: 'basic', params: { realm: 'Sonatype Nexus Repository Manager' } }]],
    [
      'distribution bearer with a comma inside the scope',
      'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/app:pull,push"',
      [{ scheme: 'bearer', params: { realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:team/app:pull,push' } }],
    ],
    [
      'harbor',
      'Bearer realm="https://harbor.example.com/service/token",service="harbor-registry"',
      [{ scheme: 'bearer', params: { realm: 'https://harbor.example.com/service/token', service: 'harbor-registry' } }],
    ],
    [
      'bearer with an error',
      'Bearer realm="https://a/token",service="reg",scope="repository:x:push",error="insufficient_scope"',
      [{ scheme: 'bearer', params: { realm: 'https://a/token', service: 'reg', scope: 'repository:x:push', error: 'insufficient_scope' } }],
    ],
    [
      'two challenges in one header, odd spacing and case',
      'BASIC Realm = "x" ,  Bearer realm="https://a/token", service=reg',
      [
        { scheme: 'basic', params: { realm: 'x' } },
        { scheme: 'bearer', params: { realm: 'https://a/token', service: 'reg' } },
      ],
    ],
    ['escaped quotes', 'Basic realm="say \\"hi\\", then go"', [{ scheme: 'basic', params: { realm: 'say "hi", then go' } }]],
    ['scheme alone', 'Negotiate', [{ scheme: 'negotiate', params: {} }]],
    ['token68', 'Negotiate YIIBhgYGKwYBBQUC==, Basic realm="x"', [
      { scheme: 'negotiate', params: {}, token68: 'YIIBhgYGKwYBBQUC==' },
      { scheme: 'basic', params: { realm: 'x' } },
    ]],
    ['header given twice', ['Basic realm="a"', 'Bearer realm="b"'], [
      { scheme: 'basic', params: { realm: 'a' } },
      { scheme: 'bearer', params: { realm: 'b' } },
    ]],
    ['unterminated quote', 'Bearer realm="https://a/token', [{ scheme: 'bearer', params: { realm: 'https://a/token' } }]],
    ['empty quoted value', 'Basic realm=""', [{ scheme: 'basic', params: { realm: '' } }]],
    ['__proto__ is just a name', 'Basic __proto__="x"', [{ scheme: 'basic', params: JSON.parse('{"__proto__":"x"}') }]],
  ])('%s', (_name, header, expected) => {
    expect(parseChallenges(header)).toEqual(expected);
  });
});

describe('findChallenge', () => {
  it('finds by scheme, case-insensitively', () => {
    const challenges = parseChallenges('Basic realm="a", Bearer realm="https://a/token",service="reg"');
    expect(findChallenge(challenges, 'Bearer')?.params.realm).toBe('https://a/token');
    expect(findChallenge(challenges, 'digest')).toBeUndefined();
  });
});
