import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The single executable `npm run build:sea` makes (the e2e scripts build it first). */
export const SEA = fileURLToPath(new URL(`../../../dist/sea/regsetup-${process.platform}-${process.arch}`, import.meta.url));

export function seaPath(): string {
  if (!existsSync(SEA)) throw new Error(`${SEA} is missing: run \`npm run build:sea\` (npm run test:e2e does)`);
  return SEA;
}

/**
 * What the single executable runs with: `env -i PATH=/usr/bin:/bin` plus what the test gives.
 * Nothing of this checkout's environment (no node_modules/.bin, no NODE_OPTIONS) leaks in.
 */
export const seaEnv = (env: Record<string, string> = {}): Record<string, string> => ({ PATH: '/usr/bin:/bin', ...env });
