import type { Clock, Sleep } from '../../host/clock.js';
import type { Files } from '../../host/files.js';
import type { K3sExpect } from './expect.js';

// "k3s took it": the agent runs again, and the hosts.toml it generated at this start for every
// host regsetup configured exists and names what registries.yaml says (endpoints, the CA path).
// Read only — regsetup never writes k3s's certs.d. A k3s that refuses its registries.yaml logs it
// and carries on without the file, so the generated files are the only proof.

export interface ConfirmK3sPorts {
  /** Under --root. */
  files: Files;
  /** Whether the agent process runs now (a fresh /proc scan). */
  running: () => Promise<boolean>;
  clock: Clock;
  sleep: Sleep;
}

/** What is wrong now; empty when it took. since: files older than this were written before the restart. */
export async function k3sMismatches(ports: Pick<ConfirmK3sPorts, 'files' | 'running'>, expected: K3sExpect, since: number | undefined): Promise<string[]> {
  if (!(await ports.running())) return ['the agent is not running'];
  const problems: string[] = [];
  for (const h of expected.hosts) {
    const stat = await ports.files.stat(h.path);
    if (stat === undefined) {
      problems.push(`${h.path} was not generated`);
      continue;
    }
    // A second of slack: some filesystems keep whole seconds.
    if (since !== undefined && stat.mtimeMs < since - 1000) {
      problems.push(`${h.path} is from before the restart`);
      continue;
    }
    const text = (await ports.files.readText(h.path)) ?? '';
    const missing = h.contains.filter((s) => !text.includes(s));
    if (missing.length > 0) problems.push(`${h.path} does not name ${missing.join(', ')}`);
  }
  return problems;
}

/** Poll until it took; resolves with undefined, or with what was still wrong at the deadline. */
export async function confirmK3s(ports: ConfirmK3sPorts, expected: K3sExpect, o: { since?: number; timeoutMs: number; pollMs?: number }): Promise<string | undefined> {
  const deadline = ports.clock.now() + o.timeoutMs;
  for (;;) {
    const problems = await k3sMismatches(ports, expected, o.since).catch((error: Error) => [error.message]);
    if (problems.length === 0) return undefined;
    if (ports.clock.now() >= deadline) return `${problems.join('; ')} after ${Math.round(o.timeoutMs / 100) / 10} s`;
    await ports.sleep(o.pollMs ?? 500);
  }
}
