// Before `npm pack` builds: empty dist/ of the tsc output, so a module whose source was removed
// is not shipped from an old build. dist/sea (the single executable, slow to make) stays.
import { readdir, rm } from 'node:fs/promises';

const dist = new URL('../dist/', import.meta.url);
for (const name of await readdir(dist).catch(() => [])) {
  if (name !== 'sea') await rm(new URL(name, dist), { recursive: true, force: true });
}
