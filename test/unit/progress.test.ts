import { describe, expect, it } from 'vitest';
import { progressWanted, startProgress } from '../../src/cli/progress.js';

const tty = { isTTY: true } as NodeJS.WriteStream;
const pipe = { isTTY: false } as unknown as NodeJS.WriteStream;

describe('progress', () => {
  it.each([
    ['a terminal', { stream: tty, json: false, env: {} }, true],
    ['NO_COLOR still spins (without colour)', { stream: tty, json: false, env: { NO_COLOR: '1' } }, true],
    ['a pipe', { stream: pipe, json: false, env: {} }, false],
    ['no stream', { json: false, env: {} }, false],
    ['--json', { stream: tty, json: true, env: {} }, false],
    ['TERM=dumb', { stream: tty, json: false, env: { TERM: 'dumb' } }, false],
    ['CI', { stream: tty, json: false, env: { CI: 'true' } }, false],
  ] as const)('%s: %s', (_, settings, wanted) => {
    expect(progressWanted(settings)).toBe(wanted);
  });

  it('writes nothing and loads nothing where it is not wanted', () => {
    let written = '';
    const stream = { isTTY: false, write: (s: string) => (written += s) } as unknown as NodeJS.WriteStream;
    const p = startProgress({ stream, json: false, env: {} }, 'pulling');
    p.update('still pulling');
    p.done(true);
    expect(written).toBe('');
  });
});
