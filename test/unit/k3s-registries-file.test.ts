import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { emptyJournal } from '../../src/core/journal.js';
import { ExitCode, type RegsetupError } from '../../src/core/errors.js';
import { nodeFiles, type FsModule } from '../../src/host/files.js';
import { normalizeEndpoint, endpointForMirror } from '../../src/runtimes/k3s/endpoint.js';
import { layoutFor } from '../../src/runtimes/k3s/layout.js';
import { readK3sFiles } from '../../src/runtimes/k3s/read-snapshot.js';
import { parseRegistries } from '../../src/runtimes/k3s/registries-file.js';
import { configsWithoutMirror, duplicateEndpoints } from '../../src/runtimes/k3s/traps.js';
import { failure } from './helpers/join-fixtures.js';
import { desired, k3sSnapshot, planJoin, REGISTRIES } from './helpers/k3s-fixtures.js';

const refusal = (text: string) => failure(() => parseRegistries(text, REGISTRIES));

describe('a registries.yaml that cannot be edited safely is refused (exit 4) with its line', () => {
  it.each<[string, string, RegExp]>([
    ['malformed YAML', 'mirrors:\n  docker.io:\n    endpoint: [https://a\n', /is not valid YAML at line 4 column 1/],
    ['a tab where YAML wants spaces', 'mirrors:\n\tdocker.io: {}\n', /is not valid YAML at line 2/],
    ['mirrors as a list', 'mirrors: []\n', /wrong type at line 1 column 1 \(mirrors\): .*expected record/],
    ['an endpoint that is not a list', 'mirrors:\n  docker.io:\n    endpoint: https://a\n', /wrong type at line 3 column 5 \(mirrors\.docker\.io\.endpoint\): .*expected array/],
    ['an endpoint item that is a map', 'mirrors:\n  docker.io:\n    endpoint:\n      - {url: x}\n', /wrong type at line 4 column 9 \(mirrors\.docker\.io\.endpoint\.0\)/],
    ['insecure_skip_verify as text', 'configs:\n  r.example.com:\n    tls:\n      insecure_skip_verify: "yes"\n', /wrong type at line 4 column 7 \(configs\.r\.example\.com\.tls\.insecure_skip_verify\): .*expected boolean/],
    ['tls as a list', 'configs:\n  r.example.com:\n    tls: [a]\n', /wrong type at line 3 column 5 \(configs\.r\.example\.com\.tls\)/],
    ['a list at the top', '- mirrors\n', /wrong type at line 1 column 1 \(the top level\)/],
    ['a duplicate key', 'mirrors:\n  docker.io: {}\n  docker.io: {}\n', /is not valid YAML at line 3 column 3: Map keys must be unique/],
    ['two documents', 'mirrors: {}\n---\nconfigs: {}\n', /is not valid YAML at line 2/],
    ['binary', 'mirrors:\n  docker.io: \u0000\u0001\u0002\n', /is not a text file \(a control or non-UTF-8 byte at line 2 column 14\)/],
    ['invalid UTF-8', 'mirrors: {}\n# caf\ufffd\n', /is not a text file .*line 2 column 6/],
    ['an alias', 'mirrors: &m\n  docker.io: {}\nconfigs: *m\n', /uses a YAML alias at line 3 column 10/],
  ])('%s', (_what, text, message) => {
    const e = refusal(text);
    expect(e).toMatchObject({ code: 'ERR_K3S_REGISTRIES_MALFORMED', exitCode: ExitCode.preflightRefused });
    expect(e.message).toMatch(message);
    expect(e.message).toContain(REGISTRIES);
    expect(e.hint).toContain('nothing was changed');
  });

  it.each([
    ['an empty file', ''],
    ['only a comment', '# nothing yet\n'],
    ['empty sections', 'mirrors:\nconfigs:\n'],
    ['a mirror without endpoints', 'mirrors:\n  docker.io:\n'],
    ['numbers where k3s takes text', 'configs:\n  r.example.com:\n    auth:\n      username: 1234\n      password: 5678\n'],
    ['keys k3s does not know', 'mirrors: {}\nsomething-else: true\n'],
  ])('accepts %s', (_what, text) => {
    expect(() => parseRegistries(text, REGISTRIES)).not.toThrow();
  });

  it('the planner refuses the same way (nothing is written)', () => {
    expect(failure(() => planJoin(k3sSnapshot({ registriesText: 'mirrors: []\n' }), desired()))).toMatchObject({ code: 'ERR_K3S_REGISTRIES_MALFORMED', exitCode: 4 });
  });
});

describe('reading registries.yaml from the node', () => {
  const layout = layoutFor('k3s');
  const read = async (setup: (fs: ReturnType<typeof memfs>['fs']) => void) => {
    const { fs } = memfs({ '/etc/rancher/k3s/.keep': '', '/srv/real.yaml': 'mirrors: {}\n' });
    setup(fs);
    return readK3sFiles(nodeFiles(fs as unknown as FsModule), layout, ['nexus.example.com'], emptyJournal());
  };

  it.each<[string, (fs: ReturnType<typeof memfs>['fs']) => void, RegExp]>([
    ['a symlink', (fs) => fs.symlinkSync('/srv/real.yaml', REGISTRIES), /is a symbolic link to \/srv\/real\.yaml; regsetup does not edit a file through a link/],
    ['a dangling symlink', (fs) => fs.symlinkSync('/srv/gone.yaml', REGISTRIES), /is a symbolic link to \/srv\/gone\.yaml/],
    ['a directory', (fs) => fs.mkdirSync(REGISTRIES), /is not a regular file/],
    ['a huge file', (fs) => fs.writeFileSync(REGISTRIES, `# ${'x'.repeat(2 * 1024 * 1024)}\n`), /is 2097155 bytes; a registries\.yaml is a few kilobytes/],
  ])('refuses %s, planning nothing', async (_what, setup, message) => {
    const snap = await read(setup);
    expect(snap.registriesProblem?.message).toMatch(message);
    const e = failure(() => planJoin(k3sSnapshot({ ...snap }), desired())) as RegsetupError;
    expect(e).toMatchObject({ code: 'ERR_K3S_REGISTRIES_UNSAFE', exitCode: 4 });
  });

  it('reads a plain file with its mode', async () => {
    const snap = await read((fs) => fs.writeFileSync(REGISTRIES, 'mirrors: {}\n', { mode: 0o640 }));
    expect(snap).toMatchObject({ registriesText: 'mirrors: {}\n', registriesStat: { mode: 0o640 } });
    expect(snap.registriesProblem).toBeUndefined();
  });
});

describe('k3s endpoint normalisation (pkg/agent/containerd/config.go)', () => {
  it.each([
    ['registry.example.com', 'https://registry.example.com/v2', false],
    ['https://registry.example.com/', 'https://registry.example.com/v2', false],
    ['registry.example.com:443', 'https://registry.example.com:443/v2', false],
    ['localhost:5000', 'http://localhost:5000/v2', false],
    ['127.0.0.1:5000', 'http://127.0.0.1:5000/v2', false],
    ['https://127.0.0.1:5000', 'https://127.0.0.1:5000/v2', false],
    ['docker.io', 'https://registry-1.docker.io/v2', false],
    ['https://registry.example.com/prefix/v2', 'https://registry.example.com/prefix/v2', true],
  ])('%s → %s', (input, url, override) => {
    expect(normalizeEndpoint(input)).toMatchObject({ url, overridePath: override });
  });

  it.each([
    ['https://nexus.example.com', 'https://nexus.example.com'],
    ['https://nexus.example.com/repository/hub', 'https://nexus.example.com/repository/hub/v2'],
    ['https://nexus.example.com/repository/hub/v2', 'https://nexus.example.com/repository/hub/v2'],
  ])('mirror %s is written as %s', (url, endpoint) => {
    expect(endpointForMirror(url)).toBe(endpoint);
  });
});

describe('the traps', () => {
  const value = (text: string) => parseRegistries(text, REGISTRIES).value;
  it('finds a duplicate only for the same mirror', () => {
    expect(duplicateEndpoints(value('mirrors:\n  docker.io:\n    endpoint: [a.example.com]\n  ghcr.io:\n    endpoint: [a.example.com]\n'))).toEqual([]);
  });

  it.each([
    ['no mirror at all', 'configs:\n  r.example.com:\n    tls: {ca_file: /x}\n', ['r.example.com']],
    ['its own mirror entry', 'mirrors:\n  r.example.com: {}\nconfigs:\n  r.example.com:\n    tls: {ca_file: /x}\n', []],
    ['used as an endpoint of another mirror', 'mirrors:\n  docker.io:\n    endpoint: [https://r.example.com]\nconfigs:\n  r.example.com:\n    tls: {ca_file: /x}\n', []],
    ['an empty config', 'configs:\n  r.example.com:\n', []],
    ['the wildcard', 'configs:\n  "*":\n    tls: {insecure_skip_verify: true}\n', []],
  ])('configs-only: %s', (_what, text, hosts) => {
    expect(configsWithoutMirror(value(text))).toEqual(hosts);
  });
});
