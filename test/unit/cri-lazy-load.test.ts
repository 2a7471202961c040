import { execa } from 'execa';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from './helpers/built-cli.js';

// grpc-js and proto-loader are loaded on the first CRI call, not when a module that can make
// one is imported: commands that never talk to containerd do not pay for them.

beforeAll(() => ensureBuilt(), 120_000);

/** The module specifiers a fresh Node resolves while running `body` (an ES module body). */
async function resolvedWhile(body: string): Promise<string[]> {
  const script = `
    import { registerHooks } from 'node:module';
    const seen = [];
    registerHooks({ resolve(specifier, context, next) { seen.push(specifier); return next(specifier, context); } });
    ${body}
    process.stdout.write(JSON.stringify(seen));`;
  const result = await execa(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot });
  return JSON.parse(result.stdout) as string[];
}

const dist = (p: string) => pathToFileURL(join(repoRoot, 'dist', p)).href;
const grpcModules = (specifiers: string[]) => specifiers.filter((s) => s.startsWith('@grpc/'));

describe('loading grpc-js lazily', () => {
  it.each(['cli/main.js', 'host/cri/cri-client.js'])('importing %s loads no gRPC module', async (module) => {
    expect(grpcModules(await resolvedWhile(`await import(${JSON.stringify(dist(module))});`))).toEqual([]);
  });

  it('the first call loads them', async () => {
    const body = `
      const { criClient } = await import(${JSON.stringify(dist('host/cri/cri-client.js'))});
      const cri = criClient({ socket: '/nonexistent/containerd.sock', timeoutMs: 500 });
      await cri.version().catch(() => undefined);
      cri.close();`;
    expect(grpcModules(await resolvedWhile(body))).toEqual(['@grpc/grpc-js', '@grpc/proto-loader']);
  });
});
