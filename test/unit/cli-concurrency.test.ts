import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { FakeRegistry, makeTestPki } from '../fakes/fake-registry.js';
import { bin, ensureBuilt } from './helpers/built-cli.js';

// bin/regsetup as separate processes at once, as a bootstrap script that joins every registry in
// the background would start them: they meet only at the lock file. Under --root with a stopped
// k3s (no daemon anywhere), against registries on 127.0.0.1. The multi-runtime case with
// interleaved in-process runs is concurrency.test.ts; the lab's is test/e2e/concurrency.test.ts.

let root: string;
let registries: FakeRegistry[];
let hosts: string[];
const REGISTRIES = '/etc/rancher/k3s/registries.yaml';
const ORIGINAL = '# the node\'s own\nmirrors:\n  quay.io:\n    endpoint:\n      - https://quay-cache.corp.example.com\n';

const regsetup = async (...args: string[]) => {
  const r = await execa(process.execPath, [bin('regsetup'), ...args, '--root', root], { reject: false, env: { REGSETUP_DEBUG: '', HOME: '/root' }, extendEnv: false, input: '', timeout: 90_000 });
  return { exitCode: r.exitCode ?? -1, stderr: r.stderr, json: args.includes('--json') ? (JSON.parse(r.stdout || 'null') as Record<string, unknown>) : undefined };
};

/** Every file under the tree but regsetup's own state, with its bytes. */
function tree(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (path.startsWith(join(root, 'var/lib/regsetup'))) continue;
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(root, path)] = readFileSync(path, 'latin1');
    }
    if (readdirSync(dir).length === 0) out[`${relative(root, dir)}/`] = '';
  };
  walk(root);
  return out;
}

beforeAll(async () => {
  await ensureBuilt();
  const pki = makeTestPki(['good']);
  registries = await Promise.all([0, 1, 2, 3, 4].map(() => FakeRegistry.start({ tls: pki.leaves.good })));
  hosts = registries.map((r) => new URL(r.url).host);
  root = mkdtempSync(join(tmpdir(), 'regsetup-cli-concurrency-'));
  mkdirSync(join(root, 'etc/rancher/k3s'), { recursive: true });
  writeFileSync(join(root, REGISTRIES), ORIGINAL);
  writeFileSync(join(root, 'ca.pem'), pki.ca);
}, 120_000);

afterAll(async () => {
  await Promise.all((registries ?? []).map((r) => r.close()));
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('regsetup processes at once', { timeout: 300_000 }, () => {
  it('8 joins of one registry and 4 of others all exit 0 and land; 5 leaves at once give every byte back', async () => {
    const before = tree();
    const joins = [...Array<string>(8).fill(hosts[0]!), ...hosts.slice(1)];
    const joined = await Promise.all(joins.map((h) => regsetup('join', h, '--runtime', 'k3s', '--ca-file', '/ca.pem', ...(h === hosts[0] ? ['--mirror', `https://${h}`] : []), '--no-verify', '--yes', '--json')));
    expect(joined.map((r) => [r.exitCode, r.exitCode === 0 ? '' : r.stderr])).toEqual(joins.map(() => [0, '']));

    const value = parseDocument(readFileSync(join(root, REGISTRIES), 'utf8')).toJS() as { mirrors: Record<string, unknown>; configs: Record<string, unknown> };
    for (const h of hosts) expect(value.configs[h], h).toEqual({ tls: { ca_file: `/etc/rancher/k3s/regsetup/${h}/ca.crt` } });
    expect(Object.keys(value.mirrors).sort()).toEqual(['docker.io', 'quay.io', ...hosts].sort());
    expect(value.mirrors['docker.io']).toEqual({ endpoint: [`https://${hosts[0]}`] });
    const status = await regsetup('status', '--json');
    const entries = (status.json as { registries: Array<{ registry: string; runtimes: Array<{ drift: unknown[] }> }> }).registries;
    expect(entries.map((e) => e.registry).sort()).toEqual([...hosts].sort());
    expect(entries.flatMap((e) => e.runtimes.flatMap((r) => r.drift))).toEqual([]);

    // Each registry once: a second leave that starts after the first one finished is a leave of a
    // registry not on record (exit 2), which is right — the in-process test has two leaves that meet.
    const left = await Promise.all(hosts.map((h) => regsetup('leave', h, '--yes', '--json')));
    expect(left.map((r) => [r.exitCode, r.exitCode === 0 ? '' : r.stderr])).toEqual(hosts.map(() => [0, '']));
    expect(tree()).toEqual(before);
  });
});
