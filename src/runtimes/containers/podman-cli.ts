import * as z from 'zod';
import type { Processes, RunOptions } from '../../host/processes.js';

// podman as a process (src/host/processes.ts): the few commands regsetup runs, their JSON read
// with zod. podman reads registries.conf, certs.d and the auth files afresh at every command.

const registrySchema = z.looseObject({
  Prefix: z.string(),
  Location: z.string(),
  Insecure: z.boolean(),
  Blocked: z.boolean().optional(),
  Mirrors: z.array(z.looseObject({ Location: z.string(), Insecure: z.boolean() })).nullable(),
});
export type PodmanRegistry = z.infer<typeof registrySchema>;
export type PodmanMirror = NonNullable<PodmanRegistry['Mirrors']>[number];

// `podman info` lists the effective [[registry]] tables by prefix, plus "search" (a list).
const infoSchema = z.looseObject({ registries: z.record(z.string(), z.unknown()).optional() });
const inspectSchema = z.array(z.looseObject({ Id: z.string(), RepoDigests: z.array(z.string()).nullable().optional() }));

export class PodmanError extends Error {}

export interface Podman {
  run(args: readonly string[], options?: RunOptions): Promise<string>;
  /** The registries podman uses now, by prefix (what containers/image made of every file). */
  registries(): Promise<Record<string, PodmanRegistry>>;
  /** RepoDigests of a local image; undefined when there is none. */
  inspect(ref: string): Promise<{ id: string; repoDigests: string[] } | undefined>;
  remove(ref: string): Promise<void>;
}

// podman ends with its "Error: …" line.
const lastLine = (text: string) => text.trim().split('\n').filter(Boolean).at(-1) ?? '';

export function podmanCli(processes: Processes, bin = 'podman'): Podman {
  const run = async (args: readonly string[], options: RunOptions = {}): Promise<string> => {
    const r = await processes.run(bin, args, { timeoutMs: 180_000, ...options });
    if (r.exitCode === 127) throw new PodmanError(`${bin} is not installed here`);
    if (r.exitCode !== 0) throw new PodmanError(`podman ${args[0]} failed (exit ${r.exitCode}${r.timedOut ? ', timed out' : ''}): ${lastLine(r.stderr || r.stdout)}`);
    return r.stdout;
  };
  return {
    run,
    async registries() {
      const text = await run(['info', '--format', 'json'], { timeoutMs: 30_000 });
      const info = infoSchema.parse(JSON.parse(text));
      const out: Record<string, PodmanRegistry> = {};
      for (const [prefix, value] of Object.entries(info.registries ?? {})) {
        const parsed = registrySchema.safeParse(value);
        if (parsed.success) out[prefix] = parsed.data;
      }
      return out;
    },
    async inspect(ref) {
      const r = await processes.run(bin, ['image', 'inspect', '--format', 'json', ref], { timeoutMs: 30_000 });
      if (r.exitCode !== 0) return undefined;
      const image = inspectSchema.parse(JSON.parse(r.stdout))[0];
      return image === undefined ? undefined : { id: image.Id, repoDigests: image.RepoDigests ?? [] };
    },
    async remove(ref) {
      await processes.run(bin, ['rmi', '--force', ref], { timeoutMs: 60_000 });
    },
  };
}
