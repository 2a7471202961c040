import { execa } from 'execa';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

// Tests that run bin/* or dist/ need dist/ to be the code under test: build when any source is
// newer. Test files run in parallel workers, so one build at a time (a lock directory).

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
export const bin = (name: string) => join(repoRoot, 'bin', name);
const lock = join(repoRoot, 'node_modules/.cache/regsetup-test-build.lock');

async function newestSource(): Promise<number> {
  const files = await readdir(join(repoRoot, 'src'), { recursive: true });
  const times = await Promise.all(files.filter((f) => f.endsWith('.ts')).map(async (f) => (await stat(join(repoRoot, 'src', f))).mtimeMs));
  return Math.max(...times, (await stat(join(repoRoot, 'package.json'))).mtimeMs);
}

const fresh = async () => (await stat(join(repoRoot, 'dist/cli/main.js')).then((s) => s.mtimeMs, () => 0)) >= (await newestSource());

async function acquire(): Promise<void> {
  await mkdir(join(lock, '..'), { recursive: true });
  for (;;) {
    try {
      await mkdir(lock);
      return;
    } catch {
      // A lock older than any build is left over from a killed run.
      const age = Date.now() - (await stat(lock).then((s) => s.mtimeMs, () => Date.now()));
      if (age > 300_000) await rm(lock, { recursive: true, force: true });
      await sleep(200);
    }
  }
}

export async function ensureBuilt(): Promise<void> {
  if (await fresh()) return;
  await acquire();
  try {
    if (!(await fresh())) await execa(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: repoRoot });
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
