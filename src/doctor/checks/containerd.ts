import { journalPath, parseJournal, type Journal } from '../../core/journal.js';
import { DEFAULT_HOSTS_ROOT, registrySettings, type RegistrySettings } from '../../runtimes/containerd/config.js';
import { containerdRecord } from '../../runtimes/containerd/record.js';
import type { ContainerdSession } from '../../runtimes/containerd/session.js';
import type { Check, DoctorState } from '../ports.js';
import type { Finding } from '../types.js';
import { configPathFindings, criFindings, deprecatedFindings } from './containerd-config.js';
import { hostsFindings, type ContainerdView } from './containerd-hosts.js';

const finding = (f: Omit<Finding, 'check' | 'fixable'>): Finding => ({ fixable: false, check: 'containerd', ...f });
const trim = (root: string) => root.replace(/\/+$/, '');

async function journalOf(s: DoctorState): Promise<Journal> {
  try {
    return parseJournal(await s.ports.files.readText(journalPath(s.ports.stateDir)));
  } catch {
    return { version: 2, registries: {} }; // `regsetup status` names a journal it cannot read
  }
}

function recordsOf(journal: Journal, id: string): ContainerdView['records'] {
  return Object.values(journal.registries).flatMap((e) => {
    const r = e.runtimes[id];
    if (r?.kind !== 'containerd') return [];
    try {
      return [{ registry: e.registry, record: containerdRecord(r)! }];
    } catch {
      return []; // `regsetup status` names a record it cannot read
    }
  });
}

async function sessionFindings(s: DoctorState, session: ContainerdSession, journal: Journal): Promise<Finding[]> {
  const snap = await session.snapshot([], journal);
  const name = session.id === 'containerd' ? 'containerd' : `containerd (${session.id})`;
  const records = recordsOf(journal, session.id);
  const base: ContainerdView = { s, session, snap, journal, records, roots: [], live: false };
  let settings: RegistrySettings | undefined;
  const found: Finding[] = [];
  try {
    settings = registrySettings(snap);
  } catch (error) {
    found.push(finding({ id: 'containerd-config-malformed', severity: 'error', seen: (error as Error).message, cause: `${name} will not start with it (the running one read its config before): after the next restart kubelet has no runtime.`, fix: `Fix it at the place named; \`containerd --config ${snap.config.path} config dump\` reads it as containerd does.` }));
  }
  found.push(...(await criFindings(base, settings, name)));
  const inUse = session.process?.cri ? await session.configPathInUse().catch(() => undefined) : undefined;
  if (settings) found.push(...deprecatedFindings(base, settings), ...configPathFindings(base, settings, inUse));
  // What CRI reads now: what it says (1.x), else what the files say (2.0–2.3, or CRI down).
  const active = (inUse?.from === 'cri' ? inUse.roots : (settings?.configPath ?? [])).map(trim);
  const roots = [...new Set([...active, ...records.map((r) => trim(r.record.hostsRoot)), DEFAULT_HOSTS_ROOT])];
  for (const root of roots) found.push(...(await hostsFindings({ ...base, roots: [root], live: session.process?.cri === true && active.includes(root) })));
  return found;
}

/**
 * containerd as kubelet uses it (docs/host-behaviour.md, containerd): CRI loaded and ready,
 * config.toml parses and holds none of the deprecated sections that kill CRI next to config_path,
 * config_path set and in use by the running containerd (CRI Status; 2.0–2.3 do not report it, so
 * only the files count there), every hosts.toml decoding, its CA files current, its mirrors answering.
 */
export const containerdCheck: Check = {
  name: 'containerd',
  async run(s: DoctorState): Promise<Finding[]> {
    const journal = await journalOf(s);
    const sessions = await s.ports.containerd();
    const found: Finding[] = [];
    const ids = new Set(Object.values(journal.registries).flatMap((e) => Object.entries(e.runtimes).filter(([, r]) => r.kind === 'containerd').map(([id]) => id)));
    for (const id of [...ids].filter((x) => !sessions.some((sess) => sess.id === x))) {
      const regs = recordsOf(journal, id).map((r) => r.registry);
      found.push(finding({ id: 'containerd-not-running', severity: 'error', seen: `the journal records containerd (${id}) for ${regs.join(', ')}, but no containerd runs`, cause: 'kubelet has no runtime here, and nothing reads the hosts.toml files regsetup wrote.', fix: `Start it (\`systemctl start containerd\`) and run \`regsetup doctor\` again; if it is gone for good, \`regsetup leave ${regs[0]} --runtime containerd\`.` }));
    }
    for (const session of sessions) found.push(...(await sessionFindings(s, session, journal)));
    return found;
  },
};
