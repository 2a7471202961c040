// `regsetup join|status|leave --runtime k3s --root <tree>` run as a user runs it (bin/regsetup on
// the built dist/), against a scratch tree shaped like a k3s node and a registry on 127.0.0.1.
// No k3s runs here (nor in the lab): the tree has /etc/rancher/k3s but no k3s process, so the
// session is a stopped k3s — join writes the files and says k3s reads them at its next start.
// Needs no lab and no daemon: `npm run build`, then `npx vitest run --project e2e test/e2e/k3s-cli.test.ts`.
import { execa } from 'execa';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeRegistry, makeTestPki } from '../fakes/fake-registry.js';
import { jsonDocument } from '../json-documents.js';

const bin = fileURLToPath(new URL('../../bin/regsetup', import.meta.url));
const fixture = (name: string) => readFileSync(new URL(`../fixtures/k3s/${name}`, import.meta.url), 'utf8');
const REGISTRIES = '/etc/rancher/k3s/registries.yaml';

let registry: FakeRegistry;
let hostPort: string;
let root: string;
const at = (path: string) => join(root, path);
const read = (path: string) => readFileSync(at(path), 'utf8');
const write = (path: string, text: string | Buffer) => {
  mkdirSync(dirname(at(path)), { recursive: true });
  writeFileSync(at(path), text);
};

async function regsetup(...args: string[]) {
  const r = await execa(process.execPath, [bin, ...args, '--root', root], { reject: false, env: { REGSETUP_DEBUG: '' }, input: '', timeout: 60_000 });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr, json: args.includes('--json') ? jsonDocument(r.stdout) : undefined };
}

const join_ = (...extra: string[]) => regsetup('join', hostPort, '--runtime', 'k3s', '--ca-file', '/ca.pem', '--mirror', 'https://mirror.example.com', '--no-verify', '--yes', '--json', ...extra);

beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)))) throw new Error('run `npm run build` first');
  const pki = makeTestPki(['good']);
  registry = await FakeRegistry.start({ tls: pki.leaves.good });
  hostPort = new URL(registry.url).host;
  root = mkdtempSync(join(tmpdir(), 'regsetup-k3s-'));
  write('/ca.pem', pki.ca);
});

afterAll(async () => {
  await registry.close();
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  for (const dir of ['/etc/rancher', '/var/lib/regsetup']) rmSync(at(dir), { recursive: true, force: true });
  mkdirSync(at('/etc/rancher/k3s'), { recursive: true });
});

describe('join, status and leave on a stopped k3s', () => {
  it('merges registries.yaml (re-parses and round-trips), installs the CA, and leave gives the original back', async () => {
    const original = fixture('docs-rewrite.yaml');
    write(REGISTRIES, original);

    const joined = await join_();
    expect(joined.exitCode, joined.stderr).toBe(0);
    expect(joined.json.warnings).toContain(`k3s is not running: it reads ${REGISTRIES} when it starts next.`);
    const text = read(REGISTRIES);
    const doc = parseDocument(text);
    expect(doc.errors).toEqual([]);
    expect(String(doc)).toBe(text); // what regsetup wrote is what the yaml library writes back: a stable file
    const value = doc.toJS();
    const caFile = `/etc/rancher/k3s/regsetup/${hostPort}/ca.crt`;
    expect(value.configs[hostPort]).toEqual({ tls: { ca_file: caFile } });
    expect(value.mirrors[hostPort]).toEqual({ endpoint: [`https://${hostPort}`] });
    expect(value.mirrors['docker.io'].endpoint).toEqual(['https://registry.example.com:5000', 'https://mirror.example.com']);
    expect(value.mirrors['docker.io'].rewrite).toEqual({ '^rancher/(.*)': 'mirrorproject/rancher-images/$1' });
    expect(text).toContain('# Shaped like the "Rewrites" example');
    expect(read(caFile)).toBe(read('/ca.pem'));

    const again = await join_();
    expect(again.exitCode).toBe(0);
    expect(again.json.changed).toBe(false);
    expect(read(REGISTRIES)).toBe(text);

    const status = await regsetup('status', '--json');
    expect(status.exitCode).toBe(0);
    expect(status.json.registries[0].runtimes[0]).toMatchObject({ runtime: 'k3s', running: false, drift: [] });

    write(REGISTRIES, text.replace(`      ca_file: ${caFile}\n`, ''));
    const drifted = await regsetup('status', '--json');
    expect(drifted.exitCode).toBe(3);
    expect(drifted.json.registries[0].runtimes[0].drift[0].what).toBe(`configs.${hostPort}.tls.ca_file was removed from ${REGISTRIES}`);
    write(REGISTRIES, text);

    const left = await regsetup('leave', hostPort, '--yes', '--json');
    expect(left.exitCode, left.stderr).toBe(0);
    expect(read(REGISTRIES)).toBe(original);
    expect(existsSync(at(caFile))).toBe(false);
  });

  it('creates registries.yaml (0600) on a node without one, and leave removes it again', async () => {
    const joined = await join_();
    expect(joined.exitCode, joined.stderr).toBe(0);
    expect(lstatSync(at(REGISTRIES)).mode & 0o777).toBe(0o600);
    expect(parseDocument(read(REGISTRIES)).toJS().configs[hostPort].tls.ca_file).toContain('/etc/rancher/k3s/regsetup/');
    expect((await regsetup('leave', hostPort, '--yes')).exitCode).toBe(0);
    expect(existsSync(at(REGISTRIES))).toBe(false);
    expect(existsSync(at('/etc/rancher/k3s'))).toBe(true);
  });
});

describe('join refuses a registries.yaml it cannot edit safely: exit 4, the file byte for byte as it was', () => {
  it.each<[string, () => Buffer | 'symlink', RegExp]>([
    ['malformed YAML', () => Buffer.from('mirrors:\n  docker.io:\n    endpoint: [https://a\n'), /is not valid YAML at line 4 column 1/],
    ['wrong types', () => Buffer.from('# managed by hand\nmirrors: []\n'), /wrong type at line 2 column 1 \(mirrors\)/],
    ['binary', () => Buffer.from([0x6d, 0x69, 0x72, 0x0a, 0x00, 0xff, 0xfe, 0x01]), /is not a text file .* line 2 column 1/],
    ['huge', () => Buffer.from(`# ${'x'.repeat(1100 * 1024)}\n`), /bytes; a registries\.yaml is a few kilobytes/],
    ['duplicate endpoints (k3s #9693)', () => Buffer.from(fixture('issue-9693-duplicate.yaml')), /line 7 column 9: mirrors\.docker\.io\.endpoint lists https:\/\/registry\.example\.com\/v2 twice/],
    ['a configs-only entry (k3s #9983)', () => Buffer.from(fixture('issue-9983-configs-only.yaml')), /line 4 column 3: configs\.registry\.example\.com has settings, but no mirrors entry uses it|no mirrors entry uses registry\.example\.com/],
    ['symlinked', () => 'symlink', /is a symbolic link to .*real\.yaml; regsetup does not edit a file through a link/],
  ])('%s', async (_what, content, message) => {
    const c = content();
    if (c === 'symlink') {
      write('/srv/real.yaml', 'mirrors: {}\n');
      symlinkSync(at('/srv/real.yaml'), at(REGISTRIES));
    } else write(REGISTRIES, c);
    const before = readFileSync(at(REGISTRIES));
    const r = await join_();
    expect(r.exitCode).toBe(4);
    expect(r.json.error.message).toMatch(message);
    expect(readFileSync(at(REGISTRIES)).equals(before)).toBe(true);
    if (c === 'symlink') expect(lstatSync(at(REGISTRIES)).isSymbolicLink()).toBe(true);
    expect(existsSync(at(`/etc/rancher/k3s/regsetup`))).toBe(false);
    expect(existsSync(at('/var/lib/regsetup/state.json'))).toBe(false);
  });
});
