import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRegsetupError } from '../../src/core/errors.js';
import { readPassword, type SecretSources } from '../../src/host/secret-input.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regsetup-secret-'));
  await writeFile(join(dir, 'empty'), '');
  await writeFile(join(dir, 'pw'), 's3cret-file\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const stdinOf = (text: string) => {
  const s = new PassThrough();
  s.end(text);
  return s;
};

async function outcome(src: SecretSources, opts: { stdin?: string; env?: NodeJS.ProcessEnv; prompt?: (q: string) => Promise<string> } = {}) {
  try {
    return { password: await readPassword(src, stdinOf(opts.stdin ?? ''), opts.env ?? {}, opts.prompt) };
  } catch (error) {
    if (!isRegsetupError(error)) throw error;
    return { code: error.code, exit: error.exitCode, message: error.message, hint: error.hint };
  }
}

describe('readPassword', () => {
  it.each([
    ['nothing named', {}, {}, { password: undefined }],
    ['stdin', { username: 'u', passwordStdin: true }, { stdin: 'pw-stdin\n' }, { password: 'pw-stdin' }],
    ['the environment', { username: 'u' }, { env: { REGSETUP_PASSWORD: 'pw-env' } }, { password: 'pw-env' }],
  ] as const)('reads %s', async (_, src, opts, expected) => {
    expect(await outcome(src, opts)).toEqual(expected);
  });

  it('reads a file', async () => {
    expect(await outcome({ username: 'u', passwordFile: join(dir, 'pw') })).toEqual({ password: 's3cret-file' });
  });

  it('refuses --username with no password and no terminal, naming the three ways (exit 2)', async () => {
    const r = await outcome({ username: 'ci' });
    expect(r).toMatchObject({ code: 'ERR_PASSWORD_REQUIRED', exit: 2, message: expect.stringContaining('--username ci') });
    for (const way of ['--password-stdin', '--password-file FILE', 'REGSETUP_PASSWORD']) expect(r.hint).toContain(way);
  });

  it('asks on the terminal when it may, and uses the answer', async () => {
    const asked: string[] = [];
    const r = await outcome({ username: 'ci' }, { prompt: async (q) => (asked.push(q), 'typed-pw') });
    expect(r).toEqual({ password: 'typed-pw' });
    expect(asked).toEqual(['Password for ci:']);
  });

  it('does not ask when a source was given', async () => {
    const r = await outcome({ username: 'ci' }, { env: { REGSETUP_PASSWORD: 'x-env' }, prompt: async () => expect.fail('asked') });
    expect(r).toEqual({ password: 'x-env' });
  });

  it.each([
    ['REGSETUP_PASSWORD', { username: 'u' }, { env: { REGSETUP_PASSWORD: '' } }, 'REGSETUP_PASSWORD'],
    ['stdin', { username: 'u', passwordStdin: true }, { stdin: '\n' }, 'standard input (--password-stdin)'],
    ['the prompt', { username: 'u' }, { prompt: async () => '' }, 'the terminal'],
  ] as const)('an empty password from %s names that source', async (_, src, opts, source) => {
    expect(await outcome(src, opts)).toMatchObject({ code: 'ERR_EMPTY_PASSWORD', exit: 2, message: `the password from ${source} is empty` });
  });

  it('an empty --password-file names the file', async () => {
    const file = join(dir, 'empty');
    expect(await outcome({ username: 'u', passwordFile: file })).toMatchObject({ code: 'ERR_EMPTY_PASSWORD', message: `the password from --password-file ${file} is empty` });
  });

  it('an empty REGSETUP_PASSWORD is not blamed on stdin', async () => {
    const r = await outcome({ username: 'u' }, { env: { REGSETUP_PASSWORD: '' } });
    expect(`${r.message} ${r.hint}`).not.toContain('stdin');
  });
});
