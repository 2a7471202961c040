import { AsyncLocalStorage } from 'node:async_hooks';
import type { Files } from './files.js';
import { resolveHostPath } from './host-path.js';

// The processes of this host as /proc shows them (under --root for tests: a tree with a fake /proc).

export interface ProcInfo {
  pid: number;
  comm: string;
  argv: string[];
  ppid: number;
}

/** A /proc/<pid>/cmdline as argv (NUL-separated, the trailing NUL dropped; an empty argument kept). */
export const argvOf = (text: string | undefined): string[] => (text ?? '').split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);

export interface ProcComm {
  pid: number;
  comm: string;
}

// One detection round (every runtime looking for its daemons) reads /proc/<pid>/comm of every
// process once, not once per runtime: the agent detects every period, and five scanners of a few
// hundred processes each were most of its CPU. Outside a round every call reads afresh.
const rounds = new AsyncLocalStorage<WeakMap<Files, Map<string, Promise<ProcComm[]>>>>();

/** Runs `fn` with one shared view of the process table (see processComms). */
export const withProcessTable = <T>(fn: () => Promise<T>): Promise<T> => rounds.run(new WeakMap(), fn);

/** pid and comm of every process under `procDir` (already resolved under --root), by pid; vanished ones skipped. */
export function processComms(files: Files, procDir: string): Promise<ProcComm[]> {
  const round = rounds.getStore();
  let tables = round?.get(files);
  if (round !== undefined && tables === undefined) round.set(files, (tables = new Map()));
  const cached = tables?.get(procDir);
  if (cached !== undefined) return cached;
  const table = readComms(files, procDir);
  tables?.set(procDir, table);
  return table;
}

async function readComms(files: Files, procDir: string): Promise<ProcComm[]> {
  const pids = (await files.readdir(procDir)).map(Number).filter((n) => Number.isInteger(n) && n > 0).sort((a, b) => a - b);
  const out: ProcComm[] = [];
  for (const pid of pids) {
    const comm = (await files.readText(`${procDir}/${pid}/comm`).catch(() => undefined))?.trim();
    if (comm !== undefined) out.push({ pid, comm });
  }
  return out;
}

/** Every process whose comm is one of `names` (a process that vanishes meanwhile is skipped). */
export async function findProcesses(files: Files, root: string, names: readonly string[]): Promise<ProcInfo[]> {
  const proc = resolveHostPath(root, '/proc');
  const found: ProcInfo[] = [];
  for (const { pid, comm } of await processComms(files, proc)) {
    if (!names.includes(comm)) continue;
    const status = await files.readText(`${proc}/${pid}/status`).catch(() => undefined);
    const stat = await files.readText(`${proc}/${pid}/stat`).catch(() => undefined);
    if (stat !== undefined && stat.split(') ')[1]?.[0] === 'Z') continue; // a zombie is not running
    const argv = argvOf(await files.readText(`${proc}/${pid}/cmdline`).catch(() => undefined));
    if (argv.length === 0) continue;
    found.push({ pid, comm, argv, ppid: Number(/^PPid:\s*(\d+)/m.exec(status ?? '')?.[1] ?? 0) });
  }
  return found;
}

/** The value of `--name=v` / `--name v` / `-n v` in an argv (the last one wins, as flag parsers do). */
export function flagValue(argv: readonly string[], ...names: string[]): string | undefined {
  let value: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    for (const n of names) {
      if (a === n && argv[i + 1] !== undefined) value = argv[i + 1];
      else if (a.startsWith(`${n}=`)) value = a.slice(n.length + 1);
    }
  }
  return value;
}
