import { memfs } from 'memfs';
import { parse as parseToml } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { humanLine } from '../../src/cli/output.js';
import { editDaemonJson, parseDaemonJson } from '../../src/core/daemon-json.js';
import { desiredFromFlags } from '../../src/core/desired-state.js';
import { readDockerConfig } from '../../src/core/docker-config.js';
import { parseJournal } from '../../src/core/journal.js';
import { JsonSyntaxError, scanJson } from '../../src/core/json-scan.js';
import { normalizeMirrorUrl, parseInsecureEntry, parseRegistry } from '../../src/core/registry-name.js';
import { loginRegistry } from '../../src/credentials/login.js';
import { migrateCredentials, planMigration } from '../../src/credentials/migrate.js';
import { nodeFiles } from '../../src/host/files.js';
import { rooted } from '../../src/host/host-path.js';
import { inspectCaPem, loadPemFile } from '../../src/host/tls.js';
import { fakeDockerApi } from '../fakes/fake-docker-api.js';
import { memoryBackend } from '../fakes/memory-credential-backend.js';
import { snapshotFs } from '../fuzz/fs-snapshot.js';
import { generators, type FuzzInput, type GeneratorName } from '../fuzz/generators.js';
import { CONTAINERD_CONFIG, joinOnMemfs, type FuzzRuntime } from '../fuzz/converge-run.js';
import { newStats, run, type Stats } from '../fuzz/harness.js';
import { rng } from '../fuzz/prng.js';
import { desired, pem } from './helpers/join-fixtures.js';

// §7: a generator-driven corpus (deterministic seed) through the real code on memfs. Every
// input must work, or be refused with a RegsetupError of exit 2 or 4 that changed no byte of
// any file and wrote nothing outside the root.

const SEED = 0x5eed9;
const COUNTS: Record<GeneratorName, number> = { daemonJson: 400, configJson: 250, journal: 80, pem: 150, registryName: 200, hostsToml: 160, registriesYaml: 160, containerdConfig: 160, registriesConf: 160 };
const ROOT = '/host';
const all: Record<string, Stats> = {};
const corpus = (name: GeneratorName): FuzzInput[] => {
  const r = rng(SEED + name.length * 7919);
  return Array.from({ length: COUNTS[name] }, () => generators[name](r));
};

function tree(files: Record<string, string | Buffer>, lock = { timeoutMs: 50, pollMs: 5 }) {
  const { fs } = memfs({ '/outside/marker': 'untouched', [`${ROOT}/etc/docker/.keep`]: '', [`${ROOT}/root/.docker/.keep`]: '', [`${ROOT}/usr/bin/docker-credential-regsetup`]: '#!', ...files });
  return { fs, files: rooted(nodeFiles(fs, lock), ROOT) };
}

/** Paths that differ between two snapshots. */
const changed = (a: Record<string, string>, b: Record<string, string>) => [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((p) => a[p] !== b[p]);

afterAll(() => {
  const sum = (f: (s: Stats) => number) => Object.values(all).reduce((n, s) => n + f(s), 0);
  const changedBytes = (s: Stats) => s.failures.filter((f) => /changed|wrote/.test(f.problem)).length;
  const lines = Object.entries(all).map(([k, s]) => `  ${k}: ${s.inputs} inputs, ${s.accepted} accepted, ${s.refused} refused, exit codes ${JSON.stringify(s.exitCodes)}, codes ${JSON.stringify(s.codes)}`);
  console.info(
    `fuzz corpus (seed ${SEED}): ${sum((s) => s.inputs)} inputs, ${sum((s) => s.exceptions)} exceptions, ${sum((s) => s.exitCodes['1'] ?? 0)} exit 1, ` +
      `${sum((s) => Object.entries(s.exitCodes).filter(([c]) => c !== '2' && c !== '4').reduce((n, [, v]) => n + v, 0))} exits other than 2/4, ` +
      `${sum(changedBytes)} runs that changed bytes they must not, ${sum((s) => s.failures.length)} failures\n${lines.join('\n')}`,
  );
});

describe('fuzz corpus', { timeout: 60_000 }, () => {
  it('daemon.json: parse and edit on memfs, for every dockerd version class', async () => {
    const stats = (all['daemon.json'] = newStats());
    const versions = ['20.10.24+dfsg1', '24.0.7', undefined];
    for (const [i, input] of corpus('daemonJson').entries()) {
      const { fs, files } = tree({ [`${ROOT}/etc/docker/daemon.json`]: input.bytes });
      const before = snapshotFs(fs);
      const dockerdVersion = versions[i % versions.length];
      const change = i % 2 === 0 ? { addMirrors: ['https://nexus.example.com'], addInsecure: ['nexus.example.com:8443'] } : { removeMirrors: ['https://mirror.example.com'], removeInsecure: ['10.0.0.0/8'] };
      let edited: ReturnType<typeof editDaemonJson> | undefined;
      await run(
        stats,
        input,
        async () => {
          const bytes = await files.readBytes('/etc/docker/daemon.json');
          edited = editDaemonJson(bytes ?? '', change, '/etc/docker/daemon.json', { dockerdVersion });
          if (edited.changed) await files.writeAtomic('/etc/docker/daemon.json', edited.bytes);
        },
        (refused) => {
          const diff = changed(before, snapshotFs(fs));
          if (refused) return diff.length === 0 ? undefined : `refused but changed ${diff.join(', ')}`;
          if (diff.some((p) => p !== `${ROOT}/etc/docker/daemon.json`)) return `wrote ${diff.join(', ')}`;
          // What was written reads back as the same dockerd reads it, with the change made, and a second edit is a no-op.
          const again = editDaemonJson(edited!.bytes, change, 'daemon.json', { dockerdVersion });
          const value = parseDaemonJson(edited!.bytes, 'daemon.json', { dockerdVersion });
          if (again.changed) return 'a second identical edit changed the file again';
          if (change.addMirrors && !(value['registry-mirrors'] as string[]).includes('https://nexus.example.com')) return 'the mirror is not in the result';
          return undefined;
        },
      );
    }
    expect(stats.failures).toEqual([]);
  });

  it('config.json: login and creds migrate on memfs with fake daemon and store', async () => {
    const stats = (all['config.json'] = newStats());
    for (const [i, input] of corpus('configJson').entries()) {
      const { fs, files } = tree({ [`${ROOT}/root/.docker/config.json`]: input.bytes });
      const before = snapshotFs(fs);
      const store = memoryBackend();
      const docker = fakeDockerApi({ logins: { 'nexus.example.com': { username: 'ci', password: 'right-password' } } });
      const login = i % 2 === 0;
      await run(
        stats,
        input,
        () =>
          login
            ? loginRegistry({ files, docker, store, env: { PATH: '/usr/bin' }, uid: process.getuid?.() ?? 0 }, { registry: 'nexus.example.com', username: 'ci', password: 'right-password', dockerConfigDir: '/root/.docker', root: '/' })
            : migrateCredentials({ files, store }, { dockerConfigDir: '/root/.docker' }),
        (refused) => {
          const diff = changed(before, snapshotFs(fs));
          if (refused) return diff.length > 0 ? `refused but changed ${diff.join(', ')}` : store.entries.size > 0 ? 'refused but stored a credential' : undefined;
          // login may also install its helper wrapper and record it: all of it under the root.
          if (diff.some((p) => !p.startsWith(`${ROOT}/`))) return `wrote outside the root: ${diff.join(', ')}`;
          const after = fs.existsSync(`${ROOT}/root/.docker/config.json`) ? fs.readFileSync(`${ROOT}/root/.docker/config.json`) : undefined;
          const left = planMigration(readDockerConfig(after as Buffer | undefined, 'config.json').config).filter((p) => p.action === 'move' && store.entries.has(p.registry));
          return left.length > 0 ? `plaintext left for ${left.map((l) => l.authKey).join(', ')} after moving it` : undefined;
        },
      );
    }
    expect(stats.failures).toEqual([]);
  });

  it('the JSON scanner accepts exactly what JSON.parse accepts (depth and number limits aside)', () => {
    const stats = (all['JSON scanner vs JSON.parse'] = newStats());
    for (const input of [...corpus('daemonJson'), ...corpus('configJson'), ...corpus('journal')]) {
      stats.inputs++;
      const view = input.bytes.toString('latin1');
      const decoded = input.bytes.toString('utf8');
      let scanned = true;
      try {
        scanJson(view, { maxDepth: 1_000_000, keep: 0 });
      } catch (error) {
        if (!(error instanceof JsonSyntaxError)) throw error;
        scanned = false;
      }
      let parsed = true;
      try {
        // Blank means no value to both (JSON whitespace only: String.trim would also drop a BOM).
        JSON.parse(/^[ \t\r\n]*$/.test(decoded) ? 'null' : decoded);
      } catch {
        parsed = false;
      }
      if (scanned) stats.accepted++;
      else stats.refused++;
      if (scanned !== parsed) stats.failures.push({ kind: input.kind, how: input.how, sample: JSON.stringify(view.slice(0, 160)), problem: `scanner ${scanned ? 'accepts' : 'refuses'}, JSON.parse ${parsed ? 'accepts' : 'refuses'}` });
    }
    expect(stats.failures).toEqual([]);
  });

  it('state.json: every malformed journal is a refusal (exit 4)', async () => {
    const stats = (all['state.json'] = newStats());
    for (const input of corpus('journal')) {
      const { fs, files } = tree({ [`${ROOT}/var/lib/regsetup/state.json`]: input.bytes });
      const before = snapshotFs(fs);
      await run(stats, input, async () => parseJournal(await files.readText('/var/lib/regsetup/state.json')), () => (changed(before, snapshotFs(fs)).length > 0 ? 'changed a file' : undefined), [4]);
    }
    expect(stats.failures).toEqual([]);
  });

  it('the files port: random trees of directories, files and links, every write operation', async () => {
    const stats = (all['files port'] = newStats());
    const r = rng(SEED);
    const names = ['a', 'b', 'c'];
    const targets = ['/outside', '/outside/marker', `${ROOT}/a`, `${ROOT}/b/c`, 'a', '../b', '..', '.', 'nowhere', `${ROOT}`, '/'];
    for (let i = 0; i < 200; i++) {
      const { fs, files } = tree({});
      const how: string[] = [];
      // Up to three levels below the root, each entry a directory, a file or a link.
      const make = (dir: string, depth: number) => {
        for (const name of names) {
          const path = `${dir}/${name}`;
          const kind = depth >= 3 ? r.pick(['none', 'file']) : r.pick(['none', 'dir', 'dir', 'file', 'link']);
          if (kind === 'dir') {
            fs.mkdirSync(path);
            make(path, depth + 1);
          } else if (kind === 'file') fs.writeFileSync(path, `old ${path}`);
          else if (kind === 'link') fs.symlinkSync(r.pick(targets), path);
          if (kind !== 'none') how.push(`${kind} ${path}`);
        }
      };
      make(ROOT, 1);
      const path = `/${Array.from({ length: 1 + r.int(3) }, () => r.pick(names)).join('/')}`;
      const op = r.pick(['writeAtomic', 'remove', 'mkdirp', 'checkWritable', 'withLock'] as const);
      const input: FuzzInput = { kind: 'files port', how: [...how, `${op} ${path}`], bytes: Buffer.from(path) };
      const before = snapshotFs(fs);
      await run(
        stats,
        input,
        () =>
          op === 'writeAtomic' ? files.writeAtomic(path, 'new')
          : op === 'remove' ? files.remove(path, { recursive: true })
          : op === 'mkdirp' ? files.mkdirp(path)
          : op === 'checkWritable' ? files.checkWritable(path)
          : files.withLock(path, async () => undefined),
        (refused) => {
          const diff = changed(before, snapshotFs(fs));
          if (refused || op === 'checkWritable') return diff.length === 0 ? undefined : `${refused ? 'refused' : 'checked'} but changed ${diff.join(', ')}`;
          if (diff.some((p) => p !== ROOT && !p.startsWith(`${ROOT}/`))) return `wrote outside the root: ${diff.join(', ')}`;
          // Whatever was written was reached through real directories only.
          let at = ROOT;
          for (const part of path.split('/').filter(Boolean)) {
            at = `${at}/${part}`;
            if (fs.existsSync(at) && fs.lstatSync(at).isSymbolicLink()) return `${op} went through the link ${at}`;
          }
          if (op === 'writeAtomic' && fs.readFileSync(`${ROOT}${path}`, 'utf8') !== 'new') return 'the file does not hold what was written';
          return undefined;
        },
      );
    }
    expect(stats.failures).toEqual([]);
  });

  it('CA files: read through the files port and inspected, never an exception', async () => {
    const stats = (all.PEM = newStats());
    for (const input of corpus('pem')) {
      const { files } = tree({ [`${ROOT}/ca.crt`]: input.bytes });
      await run(stats, input, async () => {
        const text = (await files.readText('/ca.crt')) ?? '';
        loadPemFile(text);
        inspectCaPem(text, Date.UTC(2025, 0, 1));
      }, () => undefined);
    }
    expect(stats.failures).toEqual([]);
  });

  it('registry names: parsed or refused (exit 2), never echoing a password or a control character', async () => {
    const stats = (all['registry name'] = newStats());
    const leaks = /hunter2-secret|ss\/w0rd-secret/;
    // eslint-disable-next-line no-control-regex -- looking for raw control characters is the point
    const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;
    for (const input of corpus('registryName')) {
      const name = input.bytes.toString('utf8');
      for (const fn of [() => parseRegistry(name), () => desiredFromFlags(name, {}), () => normalizeMirrorUrl(`https://${name}`), () => parseInsecureEntry(name)]) {
        let message = '';
        await run(stats, input, () => {
          try {
            return fn();
          } catch (error) {
            message = `${(error as Error).message} ${(error as { hint?: string }).hint ?? ''}`;
            throw error;
          }
        }, () => (leaks.test(message) ? `leaked a password: ${message}` : raw.test(humanLine(message)) ? `printed a control character: ${JSON.stringify(humanLine(message))}` : undefined), [2]);
      }
    }
    expect(stats.failures).toEqual([]);
  });

  // hosts.toml, containerd's config.toml, k3s's registries.yaml and podman's registries.conf(.d)
  // through the real snapshot, planner, checks and writers of their runtime (converge and apply on
  // memfs under --root). Accepted: every file written reads back as its runtime reads it, and a
  // second identical join changes nothing.
  const joinDesired = desired({ registry: 'nexus.example.com', mirrors: ['https://nexus.example.com'], caPem: pem('lab CA') });
  const GOOD_CONFIG = 'version = 2\n\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n';
  const placements: Record<'hostsToml' | 'containerdConfig' | 'registriesYaml' | 'registriesConf', { runtime: FuzzRuntime; paths: string[] }> = {
    hostsToml: { runtime: 'containerd', paths: ['/etc/containerd/certs.d/nexus.example.com/hosts.toml', '/etc/containerd/certs.d/docker.io/hosts.toml'] },
    containerdConfig: { runtime: 'containerd', paths: [CONTAINERD_CONFIG] },
    registriesYaml: { runtime: 'k3s', paths: ['/etc/rancher/k3s/registries.yaml'] },
    registriesConf: { runtime: 'containers', paths: ['/etc/containers/registries.conf', '/etc/containers/registries.conf.d/10-site.conf', '/etc/containers/registries.conf.d/50-regsetup.conf'] },
  };
  const readsBack = (path: string, bytes: Buffer): string | undefined => {
    const text = bytes.toString('utf8');
    try {
      if (/\.(toml|conf)$/.test(path)) parseToml(text);
      else if (path.endsWith('.yaml')) parseYaml(text, { uniqueKeys: true, logLevel: 'error' });
      else if (path.endsWith('.json')) JSON.parse(text);
      return undefined;
    } catch (error) {
      return `wrote ${path}, which does not parse: ${(error as Error).message.split('\n')[0]}`;
    }
  };
  it.each(Object.keys(placements) as Array<keyof typeof placements>)('%s: a join through the real planner and writers on memfs', async (name) => {
    const stats = (all[name] = newStats());
    const { runtime, paths } = placements[name];
    for (const [i, input] of corpus(name).entries()) {
      const target = paths[i % paths.length]!;
      const { fs } = tree({
        [`${ROOT}${CONTAINERD_CONFIG}`]: GOOD_CONFIG,
        [`${ROOT}/etc/containers/registries.conf`]: '# see containers-registries.conf(5)\n',
        [`${ROOT}/etc/rancher/k3s/.keep`]: '',
        [`${ROOT}${target}`]: input.bytes,
      });
      const before = snapshotFs(fs);
      await run(stats, input, () => joinOnMemfs(fs, runtime, joinDesired), async (refused) => {
        const after = snapshotFs(fs);
        const diff = changed(before, after);
        if (refused) return diff.length === 0 ? undefined : `refused but changed ${diff.join(', ')}`;
        if (diff.some((p) => !p.startsWith(`${ROOT}/`))) return `wrote outside the root: ${diff.join(', ')}`;
        for (const p of diff) {
          if (!after[p]?.startsWith('file ')) continue;
          const problem = readsBack(p, fs.readFileSync(p) as Buffer);
          if (problem) return problem;
        }
        const host = (m: Record<string, string>) => Object.fromEntries(Object.entries(m).filter(([p]) => !p.startsWith(`${ROOT}/var/lib/regsetup`)));
        try {
          await joinOnMemfs(fs, runtime, joinDesired);
        } catch (error) {
          return `a second identical join failed: ${(error as Error).message}`.slice(0, 300);
        }
        const again = changed(host(after), host(snapshotFs(fs)));
        return again.length === 0 ? undefined : `a second identical join changed ${again.join(', ')}`;
      });
    }
    expect(stats.failures).toEqual([]);
    expect(stats.accepted).toBeGreaterThan(0);
    expect(stats.refused).toBeGreaterThan(0);
  });

  it.each(Object.keys(placements) as Array<keyof typeof placements>)('%s generator: the same inputs every run', (name) => {
    expect(corpus(name).map((i) => i.bytes.toString('base64'))).toEqual(corpus(name).map((i) => i.bytes.toString('base64')));
  });
});
