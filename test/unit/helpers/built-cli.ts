import { execa } from 'execa';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Tests that run bin/* need dist/ to be the code under test: build when any source is newer.

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
export const bin = (name: string) => join(repoRoot, 'bin', name);

async function newestSource(): Promise<number> {
  const files = await readdir(join(repoRoot, 'src'), { recursive: true });
  const times = await Promise.all(files.filter((f) => f.endsWith('.ts')).map(async (f) => (await stat(join(repoRoot, 'src', f))).mtimeMs));
  return Math.max(...times, (await stat(join(repoRoot, 'package.json'))).mtimeMs);
}

export async function ensureBuilt(): Promise<void> {
  const built = await stat(join(repoRoot, 'dist/cli/main.js')).then((s) => s.mtimeMs, () => 0);
  if (built >= (await newestSource())) return;
  await execa(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: repoRoot });
}
