import { describe, expect, it } from 'vitest';
import { refused } from '../../src/core/errors.js';
import { k3sDrift } from '../../src/runtimes/k3s/drift.js';
import { k3sRecord } from '../../src/runtimes/k3s/record.js';
import { afterPlan, desired, fixture, k3sSnapshot, OWN, pem, planJoin, REGISTRIES, type TestSnapshot } from './helpers/k3s-fixtures.js';

const CA = `${OWN}/nexus.example.com/ca.crt`;

function joined(): TestSnapshot {
  const before = k3sSnapshot({ registriesText: fixture('docs-mirror.yaml') });
  return afterPlan(before, planJoin(before, desired({ insecure: true, k3sStoreAuthPlaintext: true, plaintextAuth: { username: 'ci', password: 'pw' } })));
}
const drift = (s: TestSnapshot) => k3sDrift(s, k3sRecord(s.journal!.registries['nexus.example.com']!.runtimes.k3s)!).map((d) => d.what);
const edit = (s: TestSnapshot, from: string | RegExp, to: string): TestSnapshot => ({ ...s, registriesText: s.registriesText!.replace(from, to) });

describe('k3s drift', () => {
  it('none right after join', () => {
    expect(drift(joined())).toEqual([]);
  });

  it.each<[string, (s: TestSnapshot) => TestSnapshot, string]>([
    ['an endpoint removed by hand', (s) => edit(s, '      - "https://nexus.example.com"\n', ''), `mirrors.docker.io.endpoint entry https://nexus.example.com was removed from ${REGISTRIES}`],
    ['the CA path changed by hand', (s) => edit(s, `ca_file: ${CA}`, 'ca_file: /etc/ssl/x.pem'), `configs.nexus.example.com.tls.ca_file in ${REGISTRIES} was changed by hand to /etc/ssl/x.pem (join set ${CA})`],
    ['insecure_skip_verify removed', (s) => edit(s, /\n\s+insecure_skip_verify: true/, ''), `configs.nexus.example.com.tls.insecure_skip_verify was removed from ${REGISTRIES}`],
    ['other credentials', (s) => edit(s, 'username: ci', 'username: someone'), `configs.nexus.example.com.auth in ${REGISTRIES} now holds another user's credentials`],
    ['the CA changed', (s) => ({ ...s, ownFiles: { 'nexus.example.com': { 'ca.crt': pem('other') } } }), `${CA} is changed`],
    ['the CA missing', (s) => ({ ...s, ownFiles: {} }), `${CA} is missing`],
    ['the file gone', (s) => ({ ...s, registriesText: undefined }), `${REGISTRIES} is gone (it held the mirrors and settings of this join)`],
    ['the file broken', (s) => ({ ...s, registriesText: 'mirrors: [\n' }), `${REGISTRIES} is not valid YAML at line 2 column 1`],
    ['the file made unsafe', (s) => ({ ...s, registriesProblem: refused('ERR_K3S_REGISTRIES_UNSAFE', `${REGISTRIES} is a symbolic link to /srv/x`) }), `${REGISTRIES} is a symbolic link to /srv/x`],
  ])('%s', (_what, change, item) => {
    expect(drift(change(joined())).join('\n')).toContain(item);
  });
});
