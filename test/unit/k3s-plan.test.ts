import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { sha256Hex } from '../../src/core/digest.js';
import { ExitCode, refused } from '../../src/core/errors.js';
import { planToJson, renderPlanDiff } from '../../src/core/plan-render.js';
import { failure } from './helpers/join-fixtures.js';
import { afterPlan, desired, fixture, k3sSnapshot, OWN, part, pem, planJoin, planLeave, REGISTRIES, writeOf } from './helpers/k3s-fixtures.js';

const CA = `${OWN}/nexus.example.com/ca.crt`;
const js = (text: string | undefined) => parseDocument(text ?? '').toJS() as Record<string, Record<string, Record<string, unknown>>>;

describe('k3s join on a node without registries.yaml', () => {
  const before = k3sSnapshot();
  const plan = planJoin(before, desired());

  it('creates the file (0600) and the CA in its own directory, and restarts k3s', () => {
    expect(part(plan).actions.map((a) => [a.kind, a.path])).toEqual([
      ['write-file', CA],
      ['write-file', REGISTRIES],
    ]);
    expect(writeOf(plan, REGISTRIES)?.mode).toBe(0o600);
    expect(writeOf(plan, REGISTRIES)?.after).toBe(
      [
        'mirrors:',
        '  docker.io:',
        '    endpoint:',
        '      - https://nexus.example.com',
        '  nexus.example.com:',
        '    endpoint:',
        '      - https://nexus.example.com',
        'configs:',
        '  nexus.example.com:',
        '    tls:',
        `      ca_file: ${CA}`,
        '',
      ].join('\n'),
    );
    expect(part(plan)).toMatchObject({ activation: 'restart', activationDetail: 'systemctl restart k3s.service; running pods keep running' });
  });

  it('journals what it added, the files it owns and that it created the file', () => {
    const record = plan.journal?.op === 'record' ? plan.journal.entry.runtimes.k3s : undefined;
    expect(record).toMatchObject({
      kind: 'k3s',
      registriesPath: REGISTRIES,
      createdRegistries: true,
      files: [{ path: CA, sha256: sha256Hex(pem('lab CA')) }],
      added: {
        endpoints: [
          { mirror: 'docker.io', url: 'https://nexus.example.com' },
          { mirror: 'nexus.example.com', url: 'https://nexus.example.com' },
        ],
        values: [{ path: ['configs', 'nexus.example.com', 'tls', 'ca_file'], value: CA }],
        auth: [],
      },
    });
  });

  it('expects the generated hosts.toml of docker.io and of the registry after the restart', () => {
    expect(part(plan).expect).toEqual({
      hosts: [
        { host: 'docker.io', path: '/var/lib/rancher/k3s/agent/etc/containerd/certs.d/docker.io/hosts.toml', contains: ['https://nexus.example.com/v2'] },
        { host: 'nexus.example.com', path: '/var/lib/rancher/k3s/agent/etc/containerd/certs.d/nexus.example.com/hosts.toml', contains: [CA] },
      ],
    });
  });

  it('leave removes the CA and, once k3s restarted with it emptied, the file it created', () => {
    const joined = afterPlan(before, plan);
    const left = planLeave(joined, 'nexus.example.com');
    expect(part(left).actions.map((a) => [a.kind, a.path])).toEqual([
      ['write-file', REGISTRIES],
      ['remove-file', CA],
    ]);
    expect(part(left).cleanup).toEqual([{ path: REGISTRIES, ifContent: '{}\n', reason: 'join created it; nothing else is in it' }]);
    const after = afterPlan(joined, left);
    expect(after.registriesText).toBeUndefined();
    expect(after.ownFiles['nexus.example.com']).toEqual({});
    expect(left.journal).toEqual({ op: 'forget', registry: 'nexus.example.com' });
  });
});

describe('k3s join options', () => {
  it.each<[string, Parameters<typeof desired>[0], Record<string, unknown>]>([
    ['--insecure', { insecure: true, caPem: undefined }, { tls: { insecure_skip_verify: true } }],
    ['a client certificate', { clientCert: { cert: pem('client'), key: '-----BEGIN PRIVATE KEY-----\nk\n-----END PRIVATE KEY-----\n' } }, { tls: { ca_file: CA, cert_file: `${OWN}/nexus.example.com/client.cert`, key_file: `${OWN}/nexus.example.com/client.key` } }],
    ['a push registry', { pushRegistry: 'nexus.example.com:8443' }, { tls: { ca_file: CA } }],
  ])('%s', (_what, d, config) => {
    const plan = planJoin(k3sSnapshot(), desired(d));
    expect(js(writeOf(plan, REGISTRIES)?.after).configs!['nexus.example.com']).toEqual(config);
  });

  it('writes the push registry its own configs and mirror entry', () => {
    const after = js(writeOf(planJoin(k3sSnapshot(), desired({ pushRegistry: 'nexus.example.com:8443' })), REGISTRIES)?.after);
    expect(after.configs!['nexus.example.com:8443']).toEqual({ tls: { ca_file: `${OWN}/nexus.example.com:8443/ca.crt` } });
    expect(after.mirrors!['nexus.example.com:8443']).toEqual({ endpoint: ['https://nexus.example.com:8443'] });
  });

  it('marks the client key secret, never shown', () => {
    const plan = planJoin(k3sSnapshot(), desired({ clientCert: { cert: pem('client'), key: 'PRIVATE KEY 123' } }));
    expect(part(plan).actions.find((a) => a.path.endsWith('client.key'))).toMatchObject({ secret: true, mode: 0o600 });
    expect(renderPlanDiff(plan)).not.toContain('PRIVATE KEY 123');
  });

  it('gives an insecure plain-HTTP registry an http:// endpoint', () => {
    const after = js(writeOf(planJoin(k3sSnapshot(), desired({ insecure: true, caPem: undefined, mirrors: ['http://nexus.example.com'] })), REGISTRIES)?.after);
    expect(after.mirrors!['nexus.example.com']).toEqual({ endpoint: ['http://nexus.example.com'] });
  });

  it('turns insecure_skip_verify: false into true, and leave puts false back', () => {
    const text = 'mirrors:\n  nexus.example.com:\n    endpoint: ["https://nexus.example.com"]\nconfigs:\n  nexus.example.com:\n    tls:\n      insecure_skip_verify: false\n';
    const before = k3sSnapshot({ registriesText: text });
    const plan = planJoin(before, desired({ insecure: true, caPem: undefined, mirrors: [] }));
    expect(js(writeOf(plan, REGISTRIES)?.after).configs!['nexus.example.com']).toEqual({ tls: { insecure_skip_verify: true } });
    const joined = afterPlan(before, plan);
    expect(afterPlan(joined, planLeave(joined, 'nexus.example.com')).registriesText).toBe(text);
  });

  it('adds a mirror with a path as k3s needs it: the /v2 API root spelled out', () => {
    const after = js(writeOf(planJoin(k3sSnapshot(), desired({ mirrors: ['https://nexus.example.com/repository/docker-proxy'] })), REGISTRIES)?.after);
    expect(after.mirrors!['docker.io']).toEqual({ endpoint: ['https://nexus.example.com/repository/docker-proxy/v2'] });
  });

  it('does not add a mirror k3s already has in another spelling', () => {
    const text = 'mirrors:\n  docker.io:\n    endpoint:\n      - nexus.example.com\n';
    const plan = planJoin(k3sSnapshot({ registriesText: text }), desired({ caPem: undefined }));
    expect(part(plan).actions).toEqual([]);
    expect(part(plan).activation).toBe('none');
  });

  it('uses rke2 paths and units for rke2', () => {
    const plan = planJoin(k3sSnapshot({ kind: 'rke2' }), desired());
    expect(part(plan).actions.map((a) => a.path)).toEqual(['/etc/rancher/rke2/regsetup/nexus.example.com/ca.crt', '/etc/rancher/rke2/registries.yaml']);
    expect(part(plan)).toMatchObject({ runtime: 'rke2', activationDetail: 'systemctl restart rke2-server.service; running pods keep running' });
    expect(js(writeOf(plan, '/etc/rancher/rke2/registries.yaml')?.after).configs!['nexus.example.com']).toEqual({ tls: { ca_file: '/etc/rancher/rke2/regsetup/nexus.example.com/ca.crt' } });
  });
});

describe('k3s credentials', () => {
  const auth = { k3sStoreAuthPlaintext: true, plaintextAuth: { username: 'ci', password: 'hunter2-secret' }, credentialsUser: 'ci' };

  it('writes plaintext auth only with --k3s-store-auth-plaintext, never showing it, tightening the mode', () => {
    const plan = planJoin(k3sSnapshot({ registriesText: fixture('docs-mirror.yaml'), registriesStat: { mode: 0o644, uid: 0, gid: 0 } }), desired(auth));
    const write = writeOf(plan, REGISTRIES)!;
    expect(js(write.after).configs!['nexus.example.com']!.auth).toEqual({ username: 'ci', password: 'hunter2-secret' });
    expect(write).toMatchObject({ secret: true, mode: 0o600 });
    const shown = `${renderPlanDiff(plan)}${JSON.stringify(planToJson(plan))}`;
    expect(shown).not.toContain('hunter2-secret');
    // The change is still shown, with the secret masked.
    expect(renderPlanDiff(plan)).toMatch(/\+\s+username: ci\n\+\s+password: "\*{8}"/);
    expect(part(plan).warnings.join('\n')).toMatch(/password of ci in plaintext[\s\S]*0600/);
    expect(part(plan).record?.added).toMatchObject({ auth: [{ host: 'nexus.example.com', username: 'ci' }] });
  });

  it('without the flag, writes no credentials and points at the credential provider', () => {
    const plan = planJoin(k3sSnapshot(), desired({ credentialsUser: 'ci' }));
    expect(js(writeOf(plan, REGISTRIES)?.after).configs!['nexus.example.com']).not.toHaveProperty('auth');
    expect(part(plan).warnings.join('\n')).toMatch(/--kubelet-credential-provider.*\/var\/lib\/rancher\/credentialprovider\/bin.*--image-credential-provider-config.*--k3s-store-auth-plaintext/);
  });

  it('refuses to overwrite credentials it did not write', () => {
    const e = failure(() => planJoin(k3sSnapshot({ registriesText: 'configs:\n  nexus.example.com:\n    auth:\n      username: someone\n      password: x\n' }), desired(auth)));
    expect(e).toMatchObject({ code: 'ERR_K3S_CONFLICT', exitCode: ExitCode.preflightRefused });
    expect(e.hint).toContain('--k3s-store-auth-plaintext');
  });
});

describe('k3s refusals (exit 4, nothing written)', () => {
  it.each<[string, string, RegExp]>([
    ['a CA file set by hand', 'configs:\n  nexus.example.com:\n    tls:\n      ca_file: /etc/ssl/mine.pem\n', /ERR_K3S_CONFLICT|configs\.nexus\.example\.com\.tls\.ca_file already holds \/etc\/ssl\/mine\.pem/],
    ['a duplicate endpoint (k3s #9693)', fixture('issue-9693-duplicate.yaml'), /line 7 column 9: mirrors\.docker\.io\.endpoint lists https:\/\/registry\.example\.com\/v2 twice \(entries 1 and 2\)/],
    ['a configs entry no mirror uses (k3s #9983)', fixture('issue-9983-configs-only.yaml'), /line 4 column 3: configs\.registry\.example\.com has settings, but no mirrors entry uses registry\.example\.com/],
    ['one endpoint in two spellings', 'mirrors:\n  docker.io:\n    endpoint: [r.example.com, "https://r.example.com/v2"]\n', /lists https:\/\/r\.example\.com\/v2 twice/],
  ])('%s', (_what, text, message) => {
    const e = failure(() => planJoin(k3sSnapshot({ registriesText: text }), desired()));
    expect(e.exitCode).toBe(ExitCode.preflightRefused);
    expect(`${e.code} ${e.message}`).toMatch(message);
  });

  it('says what to fix for each trap', () => {
    expect(failure(() => planJoin(k3sSnapshot({ registriesText: fixture('issue-9983-configs-only.yaml') }), desired())).hint).toContain('mirrors."registry.example.com".endpoint: ["https://registry.example.com"]');
    expect(failure(() => planJoin(k3sSnapshot({ registriesText: fixture('issue-9693-duplicate.yaml') }), desired())).hint).toContain('Remove the repeated endpoint');
  });

  it('pairs a configs-only entry of its own registry with a mirror instead of refusing it', () => {
    const text = 'configs:\n  nexus.example.com:\n    auth:\n      username: me\n      password: mine\n';
    const after = js(writeOf(planJoin(k3sSnapshot({ registriesText: text }), desired()), REGISTRIES)?.after);
    expect(after.mirrors!['nexus.example.com']).toEqual({ endpoint: ['https://nexus.example.com'] });
    expect(after.configs!['nexus.example.com']).toEqual({ auth: { username: 'me', password: 'mine' }, tls: { ca_file: CA } });
  });

  it('only warns about a trap when it writes nothing', () => {
    const text = `${fixture('issue-9693-duplicate.yaml')}  nexus.example.com:\n    endpoint: [https://nexus.example.com]\nconfigs:\n  nexus.example.com:\n    tls:\n      ca_file: ${CA}\n`;
    const plan = planJoin(k3sSnapshot({ registriesText: text, ownFiles: { 'nexus.example.com': { 'ca.crt': pem('lab CA') } } }), desired({ mirrors: ['https://registry.example.com'] }));
    expect(part(plan).actions).toEqual([]);
    expect(part(plan).warnings.join('\n')).toContain('twice');
  });

  it.each<[string, 'never' | 'reload']>([['never', 'never'], ['reload', 'reload']])('--restart %s: refuses, naming the command', (_name, restart) => {
    const e = failure(() => planJoin(k3sSnapshot(), desired({ restart })));
    expect(e).toMatchObject({ code: 'ERR_RESTART_REQUIRED', exitCode: ExitCode.preflightRefused });
    expect(e.message).toContain('`systemctl restart k3s.service`');
  });

  it('refuses a restart it cannot do (no systemd), saying what to do', () => {
    const e = failure(() => planJoin(k3sSnapshot({ agent: { running: true, pid: 99 } }), desired()));
    expect(e).toMatchObject({ code: 'ERR_NO_RESTART', exitCode: ExitCode.preflightRefused });
    expect(e.hint).toMatch(/Stop k3s, run the command again/);
  });
});

describe('k3s activation', () => {
  it('a stopped k3s: writes the files and says it reads them at its next start', () => {
    const plan = planJoin(k3sSnapshot({ agent: { running: false } }), desired({ restart: 'never' }));
    expect(part(plan).activation).toBe('none');
    expect(part(plan).warnings).toContain(`k3s is not running: it reads ${REGISTRIES} when it starts next.`);
  });

  it('a CA rotation alone needs no restart (containerd reads the file at each pull)', () => {
    const before = k3sSnapshot();
    const joined = afterPlan(before, planJoin(before, desired()));
    const rotated = planJoin(joined, desired({ caPem: pem('next CA') }));
    expect(part(rotated).actions.map((a) => a.path)).toEqual([CA]);
    expect(part(rotated).activation).toBe('none');
  });
});

describe('k3s leave', () => {
  it('keeps what was changed by hand and says what is already gone', () => {
    const before = k3sSnapshot({ registriesText: fixture('docs-mirror.yaml') });
    const joined = afterPlan(before, planJoin(before, desired()));
    const edited = { ...joined, registriesText: joined.registriesText!.replace(`ca_file: ${CA}`, 'ca_file: /etc/ssl/other.pem').replace('      - "https://nexus.example.com"\n', '') };
    const left = planLeave(edited, 'nexus.example.com');
    expect(part(left).warnings.join('\n')).toMatch(/already removed from .*mirrors\.docker\.io\.endpoint entry https:\/\/nexus\.example\.com/);
    expect(part(left).warnings.join('\n')).toMatch(/left as they are: configs\.nexus\.example\.com\.tls\.ca_file \(now \/etc\/ssl\/other\.pem\)/);
    expect(js(afterPlan(edited, left).registriesText).configs!['nexus.example.com']).toEqual({ tls: { ca_file: '/etc/ssl/other.pem' } });
  });

  it('without the backup, still removes exactly its entries', () => {
    const original = fixture('docs-rewrite.yaml');
    const before = k3sSnapshot({ registriesText: original });
    const joined = afterPlan(before, planJoin(before, desired()));
    const after = afterPlan({ ...joined, backups: {} }, planLeave({ ...joined, backups: {} }, 'nexus.example.com')).registriesText;
    expect(js(after)).toEqual(js(original));
  });

  it('a second registry joined later keeps its entries when the first leaves', () => {
    const before = k3sSnapshot({ registriesText: fixture('docs-mirror.yaml') });
    const one = afterPlan(before, planJoin(before, desired()));
    const two = afterPlan(one, planJoin(one, desired({ registry: 'harbor.example.com', mirrors: [] })));
    const left = afterPlan(two, planLeave(two, 'nexus.example.com'));
    expect(Object.keys(js(left.registriesText).configs!)).toEqual(['harbor.example.com']);
    expect(js(left.registriesText).mirrors!['docker.io']).toEqual({ endpoint: ['https://registry.example.com:5000'] });
  });
});

describe('k3s leave refuses a file it cannot read safely', () => {
  it('a registries.yaml made a symlink since join: exit 4, not "gone"', () => {
    const before = k3sSnapshot();
    const joined = afterPlan(before, planJoin(before, desired()));
    const linked = { ...joined, registriesText: undefined, registriesProblem: refused('ERR_K3S_REGISTRIES_UNSAFE', `${REGISTRIES} is a symbolic link to /srv/x`) };
    expect(failure(() => planLeave(linked, 'nexus.example.com'))).toMatchObject({ code: 'ERR_K3S_REGISTRIES_UNSAFE', exitCode: ExitCode.preflightRefused });
  });
});
