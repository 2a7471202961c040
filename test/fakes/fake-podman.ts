// The processes of a node with podman (and optionally CRI-O), in memory: `podman info` reports the
// [[registry]] tables of the memfs drop-ins as containers/image merges them (a later file's table
// replaces one with the same prefix), `systemctl reload crio` and `crio status config` answer.
import { parse } from 'smol-toml';
import type { Files } from '../../src/host/files.js';
import type { Processes, RunResult } from '../../src/host/processes.js';

export interface FakePodmanOptions {
  /** podman shows nothing of the drop-ins (a user registries.conf, a broken reload): confirm must notice. */
  blind?: () => boolean;
  /** `crio status config` fails. */
  crioDown?: boolean;
  /** Extra answers: `${cmd} ${args.join(' ')}` → result. */
  answers?: Record<string, Partial<RunResult>>;
}

export interface FakePodman extends Processes {
  calls: string[];
  signals: Array<{ pid: number; signal: string }>;
}

type Table = { prefix?: string; location?: string; insecure?: boolean; blocked?: boolean; mirror?: Array<{ location: string; insecure?: boolean }> };

async function registries(files: Files): Promise<Record<string, unknown>> {
  const dir = '/etc/containers/registries.conf.d';
  const merged = new Map<string, Table>();
  for (const name of (await files.readdir(dir)).filter((n) => n.endsWith('.conf'))) {
    const doc = parse((await files.readText(`${dir}/${name}`)) ?? '') as { registry?: Table[] };
    for (const t of doc.registry ?? []) merged.set(t.prefix || t.location!, t);
  }
  return Object.fromEntries(
    [...merged].map(([prefix, t]) => [
      prefix,
      { Prefix: prefix, Location: t.location ?? '', Insecure: t.insecure === true, Blocked: t.blocked === true, Mirrors: t.mirror ? t.mirror.map((m) => ({ Location: m.location, Insecure: m.insecure === true })) : null },
    ]),
  );
}

export function fakePodman(files: Files, options: FakePodmanOptions = {}): FakePodman {
  const calls: string[] = [];
  const signals: FakePodman['signals'] = [];
  const ok = (stdout = ''): RunResult => ({ exitCode: 0, stdout, stderr: '', timedOut: false });
  return {
    calls,
    signals,
    async run(cmd, args) {
      const line = `${cmd.replace(/^.*\//, '')} ${args.join(' ')}`;
      calls.push(line);
      const answer = options.answers?.[line];
      if (answer) return { ...ok(), ...answer };
      if (line === 'podman info --format json') return ok(JSON.stringify({ host: {}, registries: options.blind?.() ? {} : await registries(files) }));
      if (line === 'systemctl reload crio') return ok();
      if (line === 'crio status config') return options.crioDown ? { exitCode: 1, stdout: '', stderr: 'connection refused', timedOut: false } : ok('[crio]\n');
      return { exitCode: 127, stdout: '', stderr: `${cmd}: command not found`, timedOut: false };
    },
    sendSignal: (pid, signal) => void signals.push({ pid, signal }),
    isAlive: () => true,
  };
}
