import { chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandNeeds } from '../../src/core/access-needs.js';
import { stateDirFor, userStateDir } from '../../src/core/state-dir.js';
import { operatorLayout } from '../../src/host/operator-layout.js';

describe('the state directory of a run', () => {
  it.each([
    { env: {}, home: '/home/alice', want: '/home/alice/.local/state/regsetup' },
    { env: { XDG_STATE_HOME: '/srv/state/' }, home: '/home/alice', want: '/srv/state/regsetup' },
    // XDG: a relative value is invalid and ignored.
    { env: { XDG_STATE_HOME: 'state' }, home: '/home/alice/', want: '/home/alice/.local/state/regsetup' },
  ])('userStateDir($env)', ({ env, home, want }) => {
    expect(userStateDir(env, home)).toBe(want);
  });

  it.each([
    { uid: 0, ownRootless: true, want: '/var/lib/regsetup' },
    { uid: 1000, ownRootless: true, want: '/home/alice/.local/state/regsetup' },
    { uid: 1000, ownRootless: false, want: '/var/lib/regsetup' },
  ])('uid $uid, own rootless dockerd $ownRootless → $want', ({ uid, ownRootless, want }) => {
    expect(stateDirFor({ uid, ownRootless, env: {}, home: '/home/alice' })).toBe(want);
  });
});

// The layout a user's run works on, which the permission preflight checks and the commands use.
// (The tests run as root, which can chown the scene to uid 1000.)
describe('operatorLayout', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'regsetup-layout-'));
    await mkdir(join(tmp, 'run'), { recursive: true });
    await writeFile(join(tmp, 'run/docker.sock'), '');
    await chown(join(tmp, 'run/docker.sock'), 1000, 1000);
    await writeFile(join(tmp, 'root.sock'), '');
    await mkdir(join(tmp, 'joined/.local/state/regsetup'), { recursive: true });
    await writeFile(join(tmp, 'joined/.local/state/regsetup/state.json'), '{"version": 2, "registries": {}}');
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it('root: the system paths', async () => {
    expect(await operatorLayout({ uid: 0, env: {}, dockerHost: undefined, root: '/' })).toEqual({
      name: 'rootful docker',
      daemonConfigDir: '/etc/docker',
      certsDir: '/etc/docker/certs.d',
      stateDir: '/var/lib/regsetup',
      dockerSocket: '/var/run/docker.sock',
    });
  });

  it('a user whose $XDG_RUNTIME_DIR/docker.sock is theirs: their rootless paths and state', async () => {
    const env = { HOME: '/home/alice', XDG_RUNTIME_DIR: join(tmp, 'run') };
    const layout = await operatorLayout({ uid: 1000, env, dockerHost: undefined, root: '/' });
    expect(layout).toEqual({
      name: 'rootless docker',
      daemonConfigDir: '/home/alice/.config/docker',
      certsDir: '/home/alice/.config/docker/certs.d',
      stateDir: '/home/alice/.local/state/regsetup',
      dockerSocket: join(tmp, 'run/docker.sock'),
    });
    expect(commandNeeds.join!(layout, {}).filter((n) => n.kind === 'write').map((n) => n.path)).toContain('/home/alice/.local/state/regsetup');
  });

  it('a user who joined before (their journal is there) keeps their state with the daemon stopped', async () => {
    const layout = await operatorLayout({ uid: 1000, env: { HOME: join(tmp, 'joined'), XDG_RUNTIME_DIR: join(tmp, 'nothing') }, dockerHost: undefined, root: '/' });
    expect(layout).toMatchObject({ name: 'rootless docker', stateDir: join(tmp, 'joined/.local/state/regsetup') });
  });

  it.each([
    { name: 'nothing of their own', dockerHost: undefined, socket: '/var/run/docker.sock' },
    { name: "DOCKER_HOST at root's socket", dockerHost: `unix://${'ROOT'}`, socket: 'ROOT' },
    { name: 'a tcp DOCKER_HOST', dockerHost: 'tcp://10.0.0.5:2375', socket: undefined },
  ])("any other user: root's paths, which the preflight then names ($name)", async ({ dockerHost, socket }) => {
    const root = join(tmp, 'root.sock');
    const layout = await operatorLayout({ uid: 1000, env: { HOME: '/nonexistent' }, dockerHost: dockerHost?.replace('ROOT', root), root: '/' });
    expect(layout).toMatchObject({ name: 'rootful docker', stateDir: '/var/lib/regsetup' });
    expect(layout.dockerSocket).toBe(socket?.replace('ROOT', root));
  });
});
