import { mutate, nested } from './mutate.js';
import type { Rng } from './prng.js';

// Malformed inputs for every file and name regsetup reads, from a seeded PRNG. Each generator
// starts from something a real host has and damages it structurally (duplicate or miscased
// keys, wrong types, deep nesting, huge values) and byte-wise (mutate.ts). The TOML and YAML ones
// feed the containerd, containers and k3s planners and writers (test/fuzz/converge-run.ts).

export interface FuzzInput {
  kind: string;
  /** How it was made, to replay a failure. */
  how: string[];
  bytes: Buffer;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

const DAEMON_BASES = [
  '{\n  "registry-mirrors": ["https://mirror.example.com"],\n  "insecure-registries": ["10.0.0.0/8"],\n  "log-driver": "journald"\n}\n',
  '{"debug":true,"registry-mirrors":[],"storage-driver":"overlay2"}',
  '{\n\t"data-root": "/srv/docker",\n\t"insecure-registries": [\n\t\t"reg.example:5000"\n\t]\n}',
  '{\r\n    "log-opts": {"max-size": "10m", "labels": ["a", "b"]},\r\n    "live-restore": true\r\n}\r\n',
  '',
  '{}',
];

const DAEMON_STRUCTURAL: Array<(r: Rng) => string> = [
  () => '{"registry-mirrors": ["https://a.example"], "registry-mirrors": ["https://b.example"]}',
  () => '{"insecure-registries": [], "debug": true, "insecure-registries": ["r:5000"]}',
  () => '{"Registry-Mirrors": ["https://a.example"]}',
  () => '{"registry-mirrors": "https://a.example"}',
  () => '{"registry-mirrors": [1, 2]}',
  () => '{"registry-mirrors": [["https://a.example"]]}',
  () => '{"insecure-registries": {"a": 1}}',
  () => '{"registry-mirrors": null}',
  () => '{"registry-mirrors": ["https://user:pw@m.example"]}',
  () => '{"insecure-registries": ["not a host", "300.1.1.1/99"]}',
  (r) => `{"labels": ${nested(r, 60 + r.int(10_000))}}`,
  (r) => `{"a": ${nested(r, 62 + r.int(5))}}`,
  (r) => `{"registry-mirrors": [${Array.from({ length: r.int(2000) }, (_, i) => `"https://m${i}.example"`).join(',')}]}`,
  () => '{"max-concurrent-downloads": 1e999}',
  () => '{"__proto__": {"registry-mirrors": ["https://x.example"]}}',
  () => '{"constructor": 1, "toString": 2, "hasOwnProperty": 3}',
  () => '{"debug": true} {"debug": false}',
  () => '[{"registry-mirrors": []}]',
  () => '"registry-mirrors"',
  () => '{"a": "\\ud800\\udc00\\udfff"}',
  (r) => `{"x": "${'a'.repeat(r.int(100_000))}"`,
];

const CONFIG_BASES = [
  `{\n\t"auths": {\n\t\t"nexus.example.com": {\n\t\t\t"auth": "${b64('ci:secret-one')}"\n\t\t}\n\t}\n}`,
  `{"auths":{"https://index.docker.io/v1/":{"auth":"${b64('hub:secret-two')}"},"gcr.io":{"auth":"${b64('_json_key:three')}"}},"credHelpers":{"gcr.io":"gcloud"}}`,
  '{\n  "credsStore": "desktop",\n  "proxies": {"default": {"httpProxy": "http://p:3128"}}\n}\n',
  `{"auths": {"token.example": {"identitytoken": "refresh-value", "auth": "${b64('x:')}"}}}`,
  '',
];

const CONFIG_STRUCTURAL: Array<(r: Rng) => string> = [
  () => `{"auths": {"nexus.example.com": {"auth": "${b64('ci:one')}"}}, "auths": {}}`,
  () => `{"auths": {"a.example": {"auth": "${b64('u:p')}"}, "a.example": {}}}`,
  () => `{"Auths": {"nexus.example.com": {"auth": "${b64('ci:one')}"}}}`,
  () => '{"credHelpers": {"a": "x"}, "CREDHELPERS": {"a": "y"}}',
  () => '{"credHelpers": {"a.example": "x", "a.example": "regsetup"}}',
  () => '{"credsStore": "a", "credsStore": "b"}',
  () => '{"auths": {"nexus.example.com": {"auth": "not base64!!"}}}',
  () => `{"auths": {"nexus.example.com": {"auth": "${b64('nocolon')}"}}}`,
  () => '{"auths": {"nexus.example.com": {"auth": 42}}}',
  () => '{"auths": ["nexus.example.com"]}',
  () => '{"credHelpers": {"nexus.example.com": 1}}',
  () => '{"credsStore": ["pass"]}',
  (r) => `{"auths": {"nexus.example.com": {"auth": "${b64('ci:x')}"}}, "deep": ${nested(r, 60 + r.int(10_000))}}`,
  (r) => `{"auths": {${Array.from({ length: r.int(500) }, (_, i) => `"r${i}.example": {"auth": "${b64(`u${i}:p${i}`)}"}`).join(',')}}}`,
  () => `{"auths": {"\\u006eexus.example.com": {"auth": "${b64('ci:escaped-key')}"}}}`,
  () => '{"auths": {"__proto__": {"auth": "eDp5"}}}',
];

const HOSTS_TOML_BASES = [
  'server = "https://registry-1.docker.io"\n\n[host."https://mirror.example.com"]\n  capabilities = ["pull", "resolve"]\n  ca = "/etc/containerd/certs.d/mirror/ca.crt"\n',
  'server = "https://nexus.example.com:8443"\n\n[host."https://nexus.example.com:8443"]\n  capabilities = ["pull", "resolve", "push"]\n  skip_verify = false\n  [host."https://nexus.example.com:8443".header]\n    x-custom = ["1"]\n',
];

const HOSTS_TOML_STRUCTURAL: Array<(r: Rng) => string> = [
  () => 'server = "https://a"\nserver = "https://b"\n',
  () => '[host."https://m"]\ncapabilities = "pull"\n[host."https://m"]\ncapabilities = ["push"]\n',
  () => 'server = \n',
  () => '[host."https://m"\n',
  () => 'server = """unterminated\n',
  (r) => `x = ${'['.repeat(1 + r.int(5000))}`,
  () => '[host."https://m"]\nca = ["a", 1]\nskip_verify = "yes"\n',
];

const CONTAINERD_CONFIG_BASES = [
  'version = 2\n\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n',
  'version = 2\n\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "registry.k8s.io/pause:3.6"\n\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  snapshotter = "overlayfs"\n',
  'version = 3\n\n[plugins."io.containerd.cri.v1.images".registry]\n  config_path = "/etc/containerd/certs.d:/etc/docker/certs.d"\n',
  'version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\nroot = "/var/lib/containerd"\n',
  '# containerd config default\nversion = 2\n[grpc]\n  address = "/run/containerd/containerd.sock"\n',
  '',
];

const CONTAINERD_CONFIG_STRUCTURAL: Array<(r: Rng) => string> = [
  () => 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\n  endpoint = ["https://mirror.example.com"]\n',
  () => 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n  [plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\n    endpoint = ["https://m"]\n',
  () => 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\nconfig_path = 5\n',
  () => 'version = "two"\n',
  () => 'version = 2\nversion = 3\n',
  () => 'version = 2\nimports = "/etc/containerd/conf.d/*.toml"\n',
  () => 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n',
  () => 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = ""\n',
  () => 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry.configs."r.example".tls]\n  ca_file = "/x.crt"\n',
  () => 'version = 2\n[plugins]\n[plugins]\n',
  () => 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/a"\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/b"\n',
  () => 'version = 4\n',
  (r) => `version = 2\nx = ${'['.repeat(1 + r.int(5000))}`,
  (r) => `version = 2\n${Array.from({ length: 1 + r.int(3000) }, (_, i) => `[t${i}]\nk = ${i}`).join('\n')}\n`,
  () => 'version = 2\n[plugins."io.containerd.grpc.v1.cri"\n',
  () => 'version = 2\n"plugins" = { "io.containerd.grpc.v1.cri" = { registry = { config_path = 1 } } }\n',
];

const REGISTRIES_CONF_BASES = [
  'unqualified-search-registries = ["docker.io", "quay.io"]\n',
  '[[registry]]\nprefix = "docker.io"\nlocation = "docker.io"\n\n[[registry.mirror]]\nlocation = "mirror.example.com"\n',
  '[aliases]\n  "alpine" = "docker.io/library/alpine"\n',
  '[[registry]]\nlocation = "nexus.example.com"\ninsecure = false\n',
  '# For more information on this configuration file, see containers-registries.conf(5).\n',
  '',
];

const REGISTRIES_CONF_STRUCTURAL: Array<(r: Rng) => string> = [
  () => '[registries.search]\nregistries = ["docker.io"]\n',
  () => '[[registry.mirror]]\nlocation = "m.example"\n',
  () => '[[registry]]\nprefix = 5\n',
  () => '[[registry]]\nprefix = "docker.io"\nlocation = "docker.io"\n[[registry]]\nprefix = "docker.io"\nlocation = "other.example"\n',
  () => '[[registry]]\nlocation = "http://with-scheme.example"\n',
  () => '[[registry]]\nlocation = "nexus.example.com"\ninsecure = "yes"\n',
  () => '[[registry]]\nprefix = "*.example.com"\nlocation = "x"\n',
  () => '[[registry]]\nprefix = "docker.io/library/a"\nlocation = ""\n',
  () => 'unqualified-search-registries = "docker.io"\n',
  () => 'registry = "not a table"\n',
  () => '[[registry]]\nprefix = "nexus.example.com"\nblocked = true\n',
  () => '[[registry]]\nlocation = "a"\n[registry]\nlocation = "b"\n',
  (r) => `[[registry]]\nlocation = "x"\nk = ${'['.repeat(1 + r.int(5000))}`,
  (r) => Array.from({ length: 1 + r.int(2000) }, (_, i) => `[[registry]]\nlocation = "r${i}.example"`).join('\n'),
  () => 'short-name-mode = "enforcing"\nshort-name-mode = "permissive"\n',
];

const REGISTRIES_YAML_BASES = [
  'mirrors:\n  docker.io:\n    endpoint:\n      - "https://mirror.example.com:5000"\nconfigs:\n  "mirror.example.com:5000":\n    tls:\n      ca_file: /etc/ssl/mirror.crt\n',
  'mirrors:\n  "nexus.example.com":\n    endpoint: ["https://nexus.example.com"]\n    rewrite:\n      "^library/(.*)": "docker/$1"\n',
];

const REGISTRIES_YAML_STRUCTURAL: Array<(r: Rng) => string> = [
  () => 'mirrors:\n  docker.io:\n    endpoint: []\n  docker.io:\n    endpoint: ["https://b"]\n',
  () => 'mirrors: &a\n  x: *a\n',
  () => 'mirrors:\n\t docker.io: {}\n',
  () => 'configs:\n  "r":\n    auth:\n      password: !!binary aGk=\n',
  (r) => `a: ${'['.repeat(1 + r.int(5000))}`,
  () => 'mirrors:\n  docker.io:\n    endpoint: "https://not-a-list"\n',
  () => '- just\n- a list\n',
];

const PEM_BODY = 'MIIBszCCAVmgAwIBAgIUQ2VydGlmaWNhdGUgb2YgbGFiIENBMAoGCCqGSM49BAMCMBUxEzARBgNVBAMMCmxhYiBDQSAtIDEwHhcN';
const PEM_STRUCTURAL: Array<(r: Rng) => string> = [
  () => `-----BEGIN CERTIFICATE-----\n${PEM_BODY}\n-----END CERTIFICATE-----\n`,
  () => `-----BEGIN CERTIFICATE-----\n${PEM_BODY}\n`,
  (r) => '-----BEGIN CERTIFICATE-----\n'.repeat(1 + r.int(20_000)),
  () => `-----BEGIN CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n${PEM_BODY}\n-----END CERTIFICATE-----\n`,
  () => `-----BEGIN PRIVATE KEY-----\n${PEM_BODY}\n-----END PRIVATE KEY-----\n`,
  () => `-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n`,
  () => '-----BEGIN CERTIFICATE----------END CERTIFICATE-----',
  (r) => `-----BEGIN CERTIFICATE-----\n${b64(r.bytes(64 + r.int(2000)).toString('latin1'))}\n-----END CERTIFICATE-----\n`,
  (r) => r.bytes(1 + r.int(1000)).toString('latin1'),
];

const NAME_PARTS = ['nexus.example.com', 'REG.Example.COM', 'localhost', '10.0.0.5', '[2001:db8::1]', '2001:db8::1', 'xn--bcher-kva.example', 'a'.repeat(64) + '.example', 'a.'.repeat(130) + 'example', '-bad.example', 'bad-.example', '.', '..', 'r..example', 'r.example.'];
const NAME_DAMAGE: Array<(r: Rng, s: string) => string> = [
  (_r, s) => `ci:hunter2-secret@${s}`,
  (_r, s) => `https://ci:hunter2-secret@${s}/v2/`,
  (_r, s) => `ci:p@ss/w0rd-secret@${s}`,
  (r, s) => `${r.pick(['http', 'https', 'ftp', 'docker'])}://${s}`,
  (r, s) => `${s}:${r.pick(['0', '65536', '05000', 'abc', '', '-1', '99999999999'])}`,
  (r, s) => `${s}${r.pick(['/path', '?q=1', '#frag', ' ', '\t', '\u0000', '\u001b[2J', '\u009b31m', '\u202eevil', '\r\nInjected: header'])}`,
  (r, s) => `${r.pick(['\u001b]0;title\u0007', '\u001b[31m', ' ', '\u200b'])}${s}`,
  (r, s) => s.split('').map((c) => (r.chance(0.1) ? r.pick(['É', 'ß', '\u0130', '\u212a', '@', ':', '%']) : c)).join(''),
  () => '',
];

const fromBases = (r: Rng, kind: string, bases: readonly string[], structural: ReadonlyArray<(r: Rng) => string>): FuzzInput => {
  const useStructural = r.chance(0.4);
  const start = useStructural ? r.pick(structural)(r) : r.pick(bases);
  const clean = useStructural && r.chance(0.5);
  if (clean) return { kind, how: ['structural'], bytes: Buffer.from(start) };
  const { bytes, how } = mutate(r, Buffer.from(start));
  return { kind, how: [useStructural ? 'structural' : 'base', ...how], bytes };
};

export const generators = {
  daemonJson: (r: Rng) => fromBases(r, 'daemon.json', DAEMON_BASES, DAEMON_STRUCTURAL),
  configJson: (r: Rng) => fromBases(r, 'config.json', CONFIG_BASES, CONFIG_STRUCTURAL),
  hostsToml: (r: Rng) => fromBases(r, 'hosts.toml', HOSTS_TOML_BASES, HOSTS_TOML_STRUCTURAL),
  registriesYaml: (r: Rng) => fromBases(r, 'registries.yaml', REGISTRIES_YAML_BASES, REGISTRIES_YAML_STRUCTURAL),
  containerdConfig: (r: Rng) => fromBases(r, 'config.toml', CONTAINERD_CONFIG_BASES, CONTAINERD_CONFIG_STRUCTURAL),
  registriesConf: (r: Rng) => fromBases(r, 'registries.conf', REGISTRIES_CONF_BASES, REGISTRIES_CONF_STRUCTURAL),
  journal: (r: Rng) =>
    fromBases(r, 'state.json', ['{\n  "version": 1,\n  "registries": {\n    "reg.example": {\n      "registry": "reg.example",\n      "joinedAt": "2024-01-01T00:00:00.000Z",\n      "daemonJsonPath": "/etc/docker/daemon.json",\n      "added": { "mirrors": [], "insecure": [] },\n      "files": []\n    }\n  }\n}\n'], [
      () => '{"version": 2, "registries": {}}',
      () => '{"version": 1, "registries": []}',
      () => '{"version": 1, "registries": {"r": {"files": [{"path": 1}]}}}',
      (rr) => `{"version": 1, "registries": ${nested(rr, 1 + rr.int(10_000))}}`,
      () => 'null',
    ]),
  pem: (r: Rng): FuzzInput => {
    const start = r.pick(PEM_STRUCTURAL)(r);
    if (r.chance(0.5)) return { kind: 'PEM', how: ['structural'], bytes: Buffer.from(start, 'latin1') };
    const { bytes, how } = mutate(r, Buffer.from(start, 'latin1'));
    return { kind: 'PEM', how: ['structural', ...how], bytes };
  },
  registryName: (r: Rng): FuzzInput => {
    const damage = r.pick(NAME_DAMAGE);
    return { kind: 'registry name', how: ['name'], bytes: Buffer.from(damage(r, r.pick(NAME_PARTS))) };
  },
};

export type GeneratorName = keyof typeof generators;
