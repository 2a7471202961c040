import { execa } from 'execa';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The client loads the committed descriptor module, never the .proto: regenerating must give
// that module byte for byte, or the two have drifted.

const repo = fileURLToPath(new URL('../..', import.meta.url));
const script = 'scripts/gen-cri-descriptor.mjs';
const proto = 'proto/cri-runtime-v1-subset.proto';
const generated = 'src/host/cri/cri-descriptor.generated.ts';
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const check = (cwd: string) => execa(process.execPath, [script, '--check'], { cwd, reject: false });

/** A scratch copy of the generator, the proto and the committed module. */
async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'regsetup-gen-'));
  dirs.push(dir);
  for (const f of [script, proto, generated]) {
    await mkdir(join(dir, f, '..'), { recursive: true });
    await cp(join(repo, f), join(dir, f));
  }
  await symlink(join(repo, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

describe('CRI descriptor', () => {
  it('regenerating from the proto gives the committed module', async () => {
    const result = await check(repo);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('a changed field number is caught', async () => {
    const dir = await scratch();
    const text = await readFile(join(dir, proto), 'utf8');
    await writeFile(join(dir, proto), text.replace('string image_ref = 1;', 'string image_ref = 2;'));
    const result = await check(dir);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('npm run gen:cri');
  });

  it('keeps upstream numbering for the fields kubelet relies on', async () => {
    const text = await readFile(join(repo, proto), 'utf8');
    for (const field of ['string user_specified_image = 18;', 'string identity_token = 5;', 'map<string, string> info = 2;', 'uint64 size = 4;', 'AuthConfig auth = 2;']) {
      expect(text).toContain(field);
    }
  });
});
