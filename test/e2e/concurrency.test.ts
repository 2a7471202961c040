// Concurrent runs on the lab node (issue 9, point 2): 8 joins of the group registry and 4 joins of
// other lab registries started at once, every runtime of the node taking part (dockerd with a real
// reload, containerd's hosts.toml, podman's drop-in), logins into one Docker config among them; then
// every registry left at once. Several rounds, each bounded in time. Every run must exit 0, every
// registry must be in daemon.json, dockerd's effective config and the other runtimes' files, the
// journal must agree (status: no drift), and after the leaves every host path must be back byte
// for byte, dockerd showing what it showed before.
//   npm run build && npx vitest run --project e2e test/e2e/concurrency.test.ts
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regsetup, type CliResult } from './helpers/cli.js';
import { diffManifests, manifest, restoreSnapshot, saveSnapshot, type Entry } from './helpers/host-snapshot.js';
import {
  backupHostState,
  credentialSandbox,
  daemonJsonPath,
  daemonRegistryConfig,
  labUser,
  loadLab,
  normalizeMirror,
  restoreHostState,
  type CredentialSandbox,
  type DaemonRegistryConfig,
  type HostStateBackup,
  type LabInfo,
} from './helpers/lab.js';
import { HOST_PATHS } from './helpers/neutral-host.js';

const STATE_DIR = '/var/lib/regsetup';
const ROUNDS = 3;
/** One phase (all joins, or all leaves) of a round: 12 processes on a small lab host. */
const PHASE_MS = 240_000;
// Every host path a join or leave here may touch, but regsetup's own state (backups pile up there).
const COMPARED = HOST_PATHS.filter((p) => p !== STATE_DIR);
// Saved by this suite so it can put them back itself if a case fails half-way (dockerd's side: backupHostState).
const SAVED = ['/etc/containerd', '/etc/containers', '/usr/local/bin/docker-credential-regsetup'];

type Run = { registry: string; args: string[]; input?: string };

describe('concurrent joins and leaves on the lab node (every runtime)', { timeout: ROUNDS * 3 * PHASE_MS }, () => {
  let lab: LabInfo;
  let backup: HostStateBackup;
  let sandbox: CredentialSandbox;
  let saved: { dir: string; entries: Entry[] };
  let before: Entry[];
  let sandboxBefore: Entry[];
  let daemonBefore: DaemonRegistryConfig;
  const timings: string[] = [];

  const admin = () => `${labUser('admin').password}\n`;
  const tls = () => ['--ca-file', lab.caFile, '--ca-fingerprint', lab.caFingerprint];
  const others = (): Run[] => [
    { registry: lab.hosts.hosted, args: [...tls(), '--mirror', 'none'] },
    { registry: lab.hosts.basic, args: [...tls(), '--mirror', 'none', '--username', 'admin', '--password-stdin'], input: admin() },
    { registry: lab.hosts.plain, args: ['--insecure', '--mirror', 'none'] },
    { registry: lab.hosts.proxy, args: [...tls(), '--mirror', `https://${lab.hosts.proxy}`] },
  ];
  const group = (): Run => ({ registry: lab.hosts.group, args: ['--ca-url', lab.caUrl, '--ca-fingerprint', lab.caFingerprint, '--mirror', `https://${lab.hosts.group}`, '--username', 'admin', '--password-stdin'], input: admin() });
  const registries = () => [lab.hosts.group, ...others().map((o) => o.registry)];

  // The file store: choosing a backend probes every docker-credential-* on PATH, and gcloud's
  // writes its own logs under $HOME/.config/gcloud, which no leave can (or should) undo.
  const run = (args: string[], input?: string) =>
    regsetup(args, { env: { ...sandbox.env, REGSETUP_CREDENTIALS_BACKEND: 'file' }, timeoutMs: PHASE_MS, ...(input ? { input } : {}) });
  const failures = (results: CliResult[]) => results.filter((r) => r.exitCode !== 0).map((r) => `exit ${r.exitCode}: ${r.json?.error?.code ?? ''} ${r.json?.error?.message ?? r.stderr.split('\n').slice(-3).join(' | ')}`);
  const sandboxManifest = () => manifest([join(sandbox.dir, 'docker'), join(sandbox.dir, 'home')]);

  /** Runs them all at once; the phase must end within PHASE_MS. */
  async function atOnce(label: string, runs: Array<() => Promise<CliResult>>): Promise<CliResult[]> {
    const t = Date.now();
    const results = await Promise.all(runs.map((r) => r()));
    const ms = Date.now() - t;
    timings.push(`${label}: ${runs.length} runs in ${(ms / 1000).toFixed(1)} s`);
    expect(ms, label).toBeLessThan(PHASE_MS);
    return results;
  }

  beforeAll(async () => {
    lab = loadLab();
    backup = await backupHostState();
    const dir = await mkdtemp(join(tmpdir(), 'regsetup-e2e-concurrency-'));
    saved = { dir, entries: await saveSnapshot(SAVED, join(dir, 'paths.tar')) };
    await rm(STATE_DIR, { recursive: true, force: true });
    sandbox = await credentialSandbox('regsetup-concurrency-e2e-');
    before = await manifest(COMPARED);
    sandboxBefore = await sandboxManifest();
    daemonBefore = await daemonRegistryConfig();
  });

  afterAll(async () => {
    process.stderr.write(`[concurrency e2e] ${timings.join('; ')}\n`);
    for (const registry of registries()) await run(['leave', registry, '--yes', '--json']).catch(() => undefined);
    await rm(STATE_DIR, { recursive: true, force: true });
    if (backup) await restoreHostState(backup);
    if (saved) {
      await restoreSnapshot(SAVED, join(saved.dir, 'paths.tar'), saved.entries);
      await rm(saved.dir, { recursive: true, force: true });
    }
    await sandbox?.cleanup();
  });

  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: 12 joins at once all exit 0 and land in every runtime, the journal agrees; the leaves at once give every byte back`, async () => {
      const joins = [...Array.from({ length: 8 }, group), ...others()];
      const joined = await atOnce(`round ${round} joins`, joins.map((j) => () => run(['join', j.registry, ...j.args, '--no-verify', '--yes', '--json'], j.input)));
      expect(failures(joined)).toEqual([]);
      for (const r of joined) expect(r.json).toMatchObject({ ok: true });

      // daemon.json and what dockerd shows.
      const daemon = JSON.parse(readFileSync(await daemonJsonPath(), 'utf8')) as Record<string, string[]>;
      expect((daemon['registry-mirrors'] ?? []).map(normalizeMirror)).toEqual(expect.arrayContaining([`https://${lab.hosts.group}`, `https://${lab.hosts.proxy}`]));
      expect(daemon['insecure-registries']).toEqual(expect.arrayContaining([lab.hosts.plain]));
      const live = await daemonRegistryConfig();
      expect(live.mirrors.map(normalizeMirror)).toEqual(expect.arrayContaining([`https://${lab.hosts.group}`, `https://${lab.hosts.proxy}`]));
      expect(live.insecureHosts).toContain(lab.hosts.plain);
      for (const h of [lab.hosts.group, lab.hosts.hosted, lab.hosts.basic, lab.hosts.proxy]) expect(existsSync(`/etc/docker/certs.d/${h}/ca.crt`), h).toBe(true);

      // The journal names every registry in every runtime, and each runtime's files hold it.
      const journal = JSON.parse(readFileSync(`${STATE_DIR}/state.json`, 'utf8')) as { registries: Record<string, { runtimes: Record<string, { hostsFiles?: Array<{ path: string }>; entries?: Array<{ prefix: string }>; dropIn?: string }> }> };
      expect(Object.keys(journal.registries).sort()).toEqual([...registries()].sort());
      for (const [registry, entry] of Object.entries(journal.registries)) {
        expect(Object.keys(entry.runtimes), registry).toEqual(expect.arrayContaining(['docker', 'containerd', 'containers']));
        const hosts = entry.runtimes.containerd!.hostsFiles ?? [];
        expect(hosts.length, registry).toBeGreaterThan(0);
        for (const h of hosts) expect(existsSync(h.path), h.path).toBe(true);
        const containers = entry.runtimes.containers!;
        const dropIn = readFileSync(containers.dropIn!, 'utf8');
        for (const e of containers.entries ?? []) expect(dropIn, `${registry} in ${containers.dropIn}`).toContain(`prefix = "${e.prefix}"`);
      }
      const status = await run(['status', '--json']);
      expect(status.exitCode, status.stderr).toBe(0);
      const drift = (status.json.registries as Array<{ registry: string; runtimes: Array<{ runtime: string; drift: Array<{ what: string }> }> }>).flatMap((r) => r.runtimes.flatMap((x) => x.drift.map((d) => `${r.registry} ${x.runtime}: ${d.what}`)));
      expect(drift).toEqual([]);
      const helpers = (JSON.parse(readFileSync(join(sandbox.dockerConfigDir, 'config.json'), 'utf8')) as { credHelpers?: Record<string, string> }).credHelpers;
      expect(helpers).toEqual({ [lab.hosts.group]: 'regsetup', [lab.hosts.basic]: 'regsetup' });

      // Every registry left at once.
      const left = await atOnce(`round ${round} leaves`, registries().map((registry) => () => run(['leave', registry, '--yes', '--json'])));
      expect(failures(left)).toEqual([]);
      expect(diffManifests(before, await manifest(COMPARED))).toEqual([]);
      expect(diffManifests(sandboxBefore, await sandboxManifest())).toEqual([]);
      expect(await daemonRegistryConfig()).toEqual(daemonBefore);
      expect((JSON.parse(readFileSync(`${STATE_DIR}/state.json`, 'utf8')) as { registries: object }).registries).toEqual({});
    });
  }
});
