import { memfs } from 'memfs';
import { describe, expect, it } from 'vitest';
import { ensureHelperOnPath, removeHelperWrapperIfUnused, WRAPPER_PATH, WRAPPER_RECORD, wrapperScript } from '../../src/credentials/helper-wrapper.js';
import { nodeFiles } from '../../src/host/files.js';
import { linkSafe } from '../fakes/link-safe-memfs.js';

// Two ways regsetup runs: the npm package under a Node (the wrapper is a script), or the single
// executable (the wrapper is a symlink to it). Switching between them, and leave, must never
// write into or delete the executable itself.
const EXE = '/opt/regsetup/regsetup-linux-x64';
const sea = { executable: EXE };
const npm = { node: '/opt/node/bin/node', script: '/opt/regsetup/bin/docker-credential-regsetup' };
const DOCKER = '/root/.docker';
const usingHelper = '{"credHelpers":{"nexus.example.com":"regsetup"}}';

function setup(tree: Record<string, string> = {}) {
  const { fs } = memfs({ '/usr/local/bin/.keep': '', '/var/lib/.keep': '', [EXE]: 'ELF executable', [`${DOCKER}/config.json`]: usingHelper, ...tree });
  const files = nodeFiles(linkSafe(fs));
  const ensure = (self: typeof sea | typeof npm, root = '/scratch-free') =>
    ensureHelperOnPath({ files, env: { PATH: '/usr/local/bin:/usr/bin' } }, { root, dockerConfigDir: DOCKER, self });
  const record = () => JSON.parse(String(fs.readFileSync(WRAPPER_RECORD, 'utf8')));
  const stopUsing = () => fs.writeFileSync(`${DOCKER}/config.json`, '{}');
  return { fs, files, ensure, record, stopUsing };
}

describe('ensureHelperOnPath', () => {
  it('the single executable: the wrapper is a symlink to the executable, recorded as such', async () => {
    const { fs, ensure, record } = setup();
    expect(await ensure(sea)).toEqual({ path: WRAPPER_PATH, installed: true });
    expect(fs.readlinkSync(WRAPPER_PATH)).toBe(EXE);
    expect(record()).toEqual({ path: WRAPPER_PATH, link: EXE, dockerConfigDirs: [DOCKER] });
    expect(fs.readFileSync(EXE, 'utf8')).toBe('ELF executable');
  });

  it.each([
    { name: 'the single executable', self: sea },
    { name: 'the npm package', self: npm },
  ])('$name: a second run writes nothing', async ({ self }) => {
    const { fs, ensure } = setup();
    await ensure(self);
    const before = fs.lstatSync(WRAPPER_PATH).ino;
    expect(await ensure(self)).toEqual({ path: WRAPPER_PATH, installed: false });
    expect(fs.lstatSync(WRAPPER_PATH).ino).toBe(before);
  });

  it('npm package → single executable: our script becomes the link', async () => {
    const { fs, ensure, record } = setup();
    await ensure(npm);
    expect(await ensure(sea)).toEqual({ path: WRAPPER_PATH, installed: true });
    expect(fs.readlinkSync(WRAPPER_PATH)).toBe(EXE);
    expect(record().link).toBe(EXE);
  });

  it('single executable → npm package: the link is replaced by the script and the executable is left untouched', async () => {
    const { fs, ensure, record } = setup();
    await ensure(sea);
    expect(await ensure(npm)).toEqual({ path: WRAPPER_PATH, installed: true });
    expect(fs.lstatSync(WRAPPER_PATH).isSymbolicLink()).toBe(false);
    expect(fs.readFileSync(WRAPPER_PATH, 'utf8')).toBe(wrapperScript(npm));
    expect(fs.readFileSync(EXE, 'utf8')).toBe('ELF executable');
    expect(record().sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a relative link of ours to the same executable counts as up to date', async () => {
    const { fs, ensure } = setup({ '/usr/local/bin/regsetup': 'ELF executable' });
    await ensure({ executable: '/usr/local/bin/regsetup' });
    fs.unlinkSync(WRAPPER_PATH);
    fs.symlinkSync('regsetup', WRAPPER_PATH);
    expect(await ensure({ executable: '/usr/local/bin/regsetup' })).toEqual({ path: WRAPPER_PATH, installed: false });
    expect(fs.readlinkSync(WRAPPER_PATH)).toBe('regsetup');
  });

  it.each([
    { name: 'under --root, a link that is not ours is left alone', root: '/scratch-free' },
    { name: 'on the host, a helper on PATH (install.sh\'s link) is used as is', root: '/' },
  ])('$name', async ({ root }) => {
    const { fs, files, ensure } = setup({ '/usr/local/bin/regsetup': 'ELF executable' });
    fs.symlinkSync('regsetup', WRAPPER_PATH);
    expect(await ensure(sea, root)).toEqual({ path: WRAPPER_PATH, installed: false });
    expect(fs.readlinkSync(WRAPPER_PATH)).toBe('regsetup');
    expect(await files.exists(WRAPPER_RECORD)).toBe(false);
  });
});

describe('removeHelperWrapperIfUnused', () => {
  it.each([
    { name: 'our link', self: sea },
    { name: 'our script', self: npm },
  ])('removes $name once no config uses the helper, never the executable', async ({ self }) => {
    const { fs, files, ensure, stopUsing } = setup();
    await ensure(self);
    expect(await removeHelperWrapperIfUnused(files)).toMatchObject({ removed: false });
    stopUsing();
    expect(await removeHelperWrapperIfUnused(files)).toMatchObject({ removed: true });
    expect(await files.readLink(WRAPPER_PATH)).toBeUndefined();
    expect(fs.existsSync(WRAPPER_PATH)).toBe(false);
    expect(fs.existsSync(WRAPPER_RECORD)).toBe(false);
    expect(fs.readFileSync(EXE, 'utf8')).toBe('ELF executable');
  });

  it.each([
    { name: 'our link now points elsewhere', self: sea, change: (fs: ReturnType<typeof memfs>['fs']) => (fs.unlinkSync(WRAPPER_PATH), fs.symlinkSync('/usr/bin/other', WRAPPER_PATH)) },
    { name: 'our link was replaced by a file', self: sea, change: (fs: ReturnType<typeof memfs>['fs']) => (fs.unlinkSync(WRAPPER_PATH), fs.writeFileSync(WRAPPER_PATH, '#!/bin/sh\n')) },
    { name: 'our script was replaced by a link', self: npm, change: (fs: ReturnType<typeof memfs>['fs']) => (fs.unlinkSync(WRAPPER_PATH), fs.symlinkSync(EXE, WRAPPER_PATH)) },
    { name: 'our script was edited', self: npm, change: (fs: ReturnType<typeof memfs>['fs']) => fs.appendFileSync(WRAPPER_PATH, '# mine now\n') },
  ])('leaves it in place when $name', async ({ self, change }) => {
    const { fs, files, ensure, stopUsing } = setup();
    await ensure(self);
    change(fs);
    stopUsing();
    expect(await removeHelperWrapperIfUnused(files)).toMatchObject({ removed: false, reason: expect.stringContaining('was changed since regsetup wrote it') });
    expect(fs.lstatSync(WRAPPER_PATH)).toBeDefined();
    expect(fs.existsSync(WRAPPER_RECORD)).toBe(false);
  });
});
