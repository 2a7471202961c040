// Global setup of the e2e project: the suite is hermetic. Before the first test every host path it
// may touch (HOST_PATHS) is saved byte for byte, together with what dockerd shows and /etc/hosts
// outside the lab's block; then regsetup's state is moved aside ("no regsetup here", even on a host
// that `scripts/try` joined). Teardown — also after failures, on SIGINT/SIGTERM/SIGHUP, and at the
// next run if this one was killed outright — puts everything back, makes dockerd show the saved
// registry settings again, and fails loudly if anything differs from what was saved.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { diffManifests, manifest, restoreSnapshot, saveSnapshot, type Entry } from './helpers/host-snapshot.js';
import { daemonJsonPath, daemonRegistryConfig, loadLab, type DaemonRegistryConfig } from './helpers/lab.js';
import { HOST_PATHS, neutralizeHost, sameRegistryConfig, settleDaemonJson } from './helpers/neutral-host.js';

/** Outside /tmp and the lab dir: it must survive a killed run and a `lab.sh down`. */
export const BACKUP_DIR = process.env.E2E_HOST_BACKUP_DIR || '/var/tmp/regsetup-e2e-host-backup';
const TAR = `${BACKUP_DIR}/paths.tar`;
const META = `${BACKUP_DIR}/saved.json`;
const HOSTS_BEGIN = '# regsetup-lab begin';
const HOSTS_END = '# regsetup-lab end';

interface Saved {
  roots: string[];
  entries: Entry[];
  daemonJsonPath: string;
  /** daemon.json's bytes (base64), null when absent: what dockerd is reloaded onto. */
  daemonJson: string | null;
  effective: DaemonRegistryConfig;
  hostsOutsideLab: string;
}

const say = (msg: string) => process.stderr.write(`[e2e host] ${msg}\n`);

async function hostsOutsideLab(): Promise<string> {
  const lines = (await readFile('/etc/hosts', 'utf8')).split('\n');
  const out: string[] = [];
  let inBlock = false;
  for (const line of lines) {
    if (line === HOSTS_BEGIN) inBlock = true;
    else if (line === HOSTS_END) inBlock = false;
    else if (!inBlock) out.push(line);
  }
  return out.join('\n').replace(/\n+$/, '');
}

async function save(): Promise<Saved> {
  await rm(BACKUP_DIR, { recursive: true, force: true });
  await mkdir(BACKUP_DIR, { recursive: true, mode: 0o700 });
  const roots = [...HOST_PATHS];
  const entries = await saveSnapshot(roots, TAR);
  const path = await daemonJsonPath();
  const bytes = await readFile(path).catch(() => null);
  const saved: Saved = {
    roots,
    entries,
    daemonJsonPath: path,
    daemonJson: bytes ? bytes.toString('base64') : null,
    effective: await daemonRegistryConfig(),
    hostsOutsideLab: await hostsOutsideLab(),
  };
  // Written last: a backup without it is incomplete and never restored from.
  await writeFile(META, JSON.stringify(saved));
  return saved;
}

/** Restores the host from the backup dir and checks it; throws (after restoring all it can) on any difference. */
export async function restore(saved: Saved): Promise<void> {
  const problems: string[] = [];
  const bytes = saved.daemonJson === null ? null : Buffer.from(saved.daemonJson, 'base64');
  // dockerd first (through a bridging daemon.json), then the exact bytes of every path.
  await settleDaemonJson(bytes, saved.effective).catch((e: Error) => problems.push(`dockerd: ${e.message}`));
  await restoreSnapshot(saved.roots, TAR, saved.entries);
  problems.push(...diffManifests(saved.entries, await manifest(saved.roots)));
  const now = await daemonRegistryConfig().catch(() => null);
  if (!now || !sameRegistryConfig(now, saved.effective)) {
    problems.push(`dockerd shows ${JSON.stringify(now)}, saved ${JSON.stringify(saved.effective)}`);
  }
  if ((await hostsOutsideLab()) !== saved.hostsOutsideLab) problems.push('/etc/hosts changed outside the lab block');
  if (problems.length) {
    throw new Error(`the e2e run did not leave the host as it found it (backup kept in ${BACKUP_DIR}):\n  ${problems.join('\n  ')}`);
  }
  await rm(BACKUP_DIR, { recursive: true, force: true });
  say('host restored and checked: every saved path is as it was');
}

export async function loadSaved(): Promise<Saved | null> {
  return existsSync(META) ? (JSON.parse(await readFile(META, 'utf8')) as Saved) : null;
}

let restoring: Promise<void> | undefined;
const restoreOnce = (saved: Saved) => (restoring ??= restore(saved));

export async function setup(): Promise<() => Promise<void>> {
  const lab = loadLab();
  const stale = await loadSaved();
  if (stale) {
    say(`a previous run was killed before its teardown: restoring the host from ${BACKUP_DIR} first`);
    await restore(stale);
  } else if (existsSync(BACKUP_DIR)) {
    await rm(BACKUP_DIR, { recursive: true, force: true });
  }
  const saved = await save();
  // Vitest's own SIGINT/SIGTERM listeners exit the process 1 ms later: they are held back until
  // the host is restored, then called as they would have been.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const held = new Map(signals.map((s) => [s, process.listeners(s)]));
  const onSignal = (signal: NodeJS.Signals) => {
    say(`${signal}: restoring the host before exiting`);
    restoreOnce(saved)
      .catch((e: Error) => say(e.message))
      .finally(() => {
        const others = held.get(signal as (typeof signals)[number]) ?? [];
        for (const fn of others) (fn as (s: NodeJS.Signals) => void)(signal);
        if (!others.length) process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15));
      });
  };
  for (const s of signals) {
    process.removeAllListeners(s);
    process.once(s, onSignal);
  }
  try {
    await neutralizeHost(lab, saved.effective);
  } catch (e) {
    await restoreOnce(saved);
    throw e;
  }
  say(`saved ${saved.roots.length} host paths (${saved.entries.length} entries) and dockerd's registry settings; regsetup's state moved aside`);
  return async () => {
    for (const s of signals) {
      process.removeListener(s, onSignal);
      for (const fn of held.get(s) ?? []) process.on(s, fn as (s: NodeJS.Signals) => void);
    }
    await restoreOnce(saved);
  };
}
