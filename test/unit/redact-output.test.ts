import { describe, expect, it } from 'vitest';
import { renderError } from '../../src/cli/exit.js';
import { createOutput, humanLine } from '../../src/cli/output.js';
import { printable, redact } from '../../src/core/redact.js';
import { normalizeMirrorUrl, parseRegistry, shownInput } from '../../src/core/registry-name.js';

describe('redact: user info, with or without a scheme', () => {
  it.each([
    ['https://ci:hunter2@nexus.example.com/v2/', 'https://***@nexus.example.com/v2/'],
    ['"ci:hunter2@nexus.example.com" is not a registry', '"***@nexus.example.com" is not a registry'],
    ['login ci:p@ss/w0rd@nexus.example.com failed', 'login ***@nexus.example.com failed'],
    ['https://ci:p@ss@nexus.example.com', 'https://***@nexus.example.com'],
    // Not credentials: a digest, a port, an e-mail address.
    ['pulled alpine:3.19@sha256:abcdef', 'pulled alpine:3.19@sha256:abcdef'],
    ['reach nexus.example.com:8443 now', 'reach nexus.example.com:8443 now'],
    ['mail ops@example.com', 'mail ops@example.com'],
  ])('%j', (text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it('stays linear on a long line that looks like the start of user info', () => {
    const line = `x=${'a:b='.repeat(50_000)}`;
    expect(redact(line)).toBe(line);
  });
});

describe('printable: control characters are shown, not obeyed', () => {
  it.each([
    ['\u001b[31mred\u001b[0m', '\\e[31mred\\e[0m'],
    ['bell\u0007 nul\u0000', 'bell\\x07 nul\\x00'],
    ['csi \u009b31m', 'csi \\x9b31m'],
    ['bidi \u202eevil', 'bidi \\u202eevil'],
    ['cr\rover', 'cr\\rover'],
    ['lines\nand\ttabs stay', 'lines\nand\ttabs stay'],
  ])('%j', (text, expected) => {
    expect(printable(text)).toBe(expected);
  });
});

describe('output', () => {
  const capture = (json: boolean) => {
    const out = { stdout: '', stderr: '' };
    const output = createOutput(json, { stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) } });
    return { out, output };
  };

  it('human lines: redacted and escaped', () => {
    const { out, output } = capture(false);
    output.report('registry \u001b]0;pwned\u0007ci:hunter2@reg.example');
    expect(out.stdout).toBe('registry \\e]0;pwned\\x07***@reg.example\n');
  });

  it('JSON: still valid JSON, with C1 and bidi controls escaped too', () => {
    const { out, output } = capture(true);
    output.document({ name: 'a\u009bb\u202ec\u001bd' });
    for (const c of ['\u001b', '\u009b', '\u202e']) expect(out.stdout).not.toContain(c);
    expect(JSON.parse(out.stdout)).toEqual({ name: 'a\u009bb\u202ec\u001bd' });
  });

  it('an error naming a hostile registry name prints neither the password nor the escape', () => {
    const { out, output } = capture(false);
    let error: unknown;
    try {
      parseRegistry('ci:hunter2@\u001b[2Jnexus.example.com');
    } catch (e) {
      error = e;
    }
    expect(renderError(error, output)).toBe(2);
    expect(out.stderr).not.toContain('hunter2');
    expect(out.stderr).not.toContain('\u001b');
    expect(humanLine(out.stderr)).toBe(out.stderr);
  });
});

describe('registry names in messages', () => {
  it.each([
    ['ci:hunter2@nexus.example.com', 'ci:***@nexus.example.com'],
    ['https://ci:hunter2@nexus.example.com/', 'https://ci:***@nexus.example.com/'],
    ['ci:pa@ss/word@nexus.example.com', 'ci:***@nexus.example.com'],
    ['ci@nexus.example.com', 'ci@nexus.example.com'],
    ['nexus\u001b[31m.example.com', 'nexus\\e[31m.example.com'],
  ])('shownInput(%j)', (input, shown) => {
    expect(shownInput(input)).toBe(shown);
  });

  it.each([
    ['ci:hunter2@nexus.example.com', /it has user info/],
    ['https://ci:hunter2@nexus.example.com', /it has a scheme/],
  ])('parseRegistry(%j) refuses (exit 2) without echoing the password, in the message or the hint', (input, why) => {
    const error = (() => {
      try {
        parseRegistry(input);
      } catch (e) {
        return e as { message: string; hint?: string; exitCode: number };
      }
      throw new Error('accepted');
    })();
    expect(error).toMatchObject({ exitCode: 2, message: expect.stringMatching(why) });
    expect(`${error.message} ${error.hint}`).not.toContain('hunter2');
  });

  it('a mirror URL with user info is refused without echoing it', () => {
    expect(() => normalizeMirrorUrl('https://ci:hunter2@m.example')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });
});
