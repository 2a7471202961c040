import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCodes, foreignCodes, isErrorCode } from '../../src/core/error-codes.js';
import { ExitCode, RegsetupError, badInput, refused } from '../../src/core/errors.js';
import { renderErrorReference } from '../../src/docs/error-reference.js';

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : /\.(ts|mjs|js)$|^regsetup$/.test(e.name) ? [join(dir, e.name)] : []));
// The catalogue itself, and its generated doc, do not count as uses.
const sources = [...files('src'), ...files('bin')].filter((f) => !f.endsWith('error-codes.ts') && !f.startsWith('src/docs'));
const text = sources.map((f) => readFileSync(f, 'utf8')).join('\n');
const used = new Set(text.match(/\bERR_[A-Z0-9_]+\b/g));
const catalogued = [...Object.keys(errorCodes), ...Object.keys(foreignCodes)];

describe('the error code catalogue', () => {
  it('has every ERR_ code that appears in src/ and bin/', () => {
    expect([...used].filter((c) => !catalogued.includes(c)).sort()).toEqual([]);
  });

  it('has no code that nothing uses', () => {
    expect(catalogued.filter((c) => !used.has(c)).sort()).toEqual([]);
  });

  it('says what each code means and what to do, and names real exit codes', () => {
    const exits = new Set<number>(Object.values(ExitCode));
    for (const [code, info] of Object.entries(errorCodes)) {
      expect(info.meaning.length, code).toBeGreaterThan(10);
      expect(info.action.length, code).toBeGreaterThan(5);
      for (const exit of [info.exit].flat()) expect(exits.has(exit), code).toBe(true);
    }
  });

  // A code raised through refused() ends with 4, through badInput() with 2: the table must say so.
  it.each([
    ['refused', ExitCode.preflightRefused],
    ['badInput', ExitCode.usage],
  ] as const)('codes raised through %s() list exit %i', (helper, exit) => {
    const raised = [...text.matchAll(new RegExp(`\\b${helper}\\(\\s*'(ERR_[A-Z0-9_]+)'`, 'g'))].map((m) => m[1]!);
    expect(raised.length).toBeGreaterThan(3);
    for (const code of raised) expect([errorCodes[code as keyof typeof errorCodes].exit].flat(), code).toContain(exit);
  });

  it('is what tsc checks RegsetupError codes against', () => {
    // @ts-expect-error an unknown code does not compile
    expect(new RegsetupError('ERR_NO_SUCH_CODE', 'x').code).toBe('ERR_NO_SUCH_CODE');
    // @ts-expect-error nor through the helpers
    expect(refused('ERR_NO_SUCH_CODE', 'x').exitCode).toBe(4);
    expect(badInput('ERR_BAD_FLAG', 'x').exitCode).toBe(2);
    expect(isErrorCode('ERR_BAD_FLAG')).toBe(true);
    expect(isErrorCode('ERR_NO_SUCH_CODE')).toBe(false);
  });

  it('docs/errors.md is generated from it and up to date (npm run docs)', () => {
    expect(readFileSync('docs/errors.md', 'utf8')).toBe(renderErrorReference());
  });

  it('docs/errors.md has a row per code', () => {
    const doc = renderErrorReference();
    for (const code of Object.keys(errorCodes)) expect(doc).toContain(`| \`${code}\` |`);
  });
});
