import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { emptyJournal } from '../../src/core/journal.js';
import { RegsetupError } from '../../src/core/errors.js';
import { nodeFiles, type Files } from '../../src/host/files.js';
import { readContainersFiles } from '../../src/runtimes/containers/read-snapshot.js';
import { containersLayout } from '../../src/runtimes/containers/snapshot.js';

const LAYOUT = containersLayout({}, 1001, '/home/alice', { id: 'containers', label: 'podman' });

// The files port as user 1001 sees a host where root's podman made /run/containers 0700.
function asUser(): Files {
  const files = nodeFiles(memfs({ '/etc/containers/registries.conf': 'unqualified-search-registries = ["docker.io"]\n' }).fs);
  const denied = (path: string) => path.startsWith('/run/containers/');
  const refuse = (path: string) => Promise.reject(new RegsetupError('ERR_PERMISSION', `cannot look at ${path}: permission denied (EACCES)`, { exitCode: 4 }));
  return { ...files, stat: (p) => (denied(p) ? refuse(p) : files.stat(p)), readText: (p, o) => (denied(p) ? refuse(p) : files.readText(p, o)) };
}

describe('the containers snapshot of a user', () => {
  it("a per-boot auth file the user may not even stat is nothing of theirs: read as absent, the rest as usual", async () => {
    const snap = await readContainersFiles(asUser(), LAYOUT, { hostPorts: [], journal: emptyJournal(), env: {} });
    expect(snap.runtimeAuth).toEqual([{ path: '/run/containers/1001/auth.json', file: { state: 'absent' } }]);
    expect(snap.registriesConf).toMatchObject({ state: 'text' });
  });

  it('a file regsetup would write stays refused when it is not accessible', async () => {
    const files = asUser();
    const layout = { ...LAYOUT, authFile: '/run/containers/1001/regsetup-auth.json' };
    await expect(readContainersFiles(files, layout, { hostPorts: [], journal: emptyJournal(), env: {} })).rejects.toMatchObject({ code: 'ERR_PERMISSION' });
  });
});
