import { errorCodes, foreignCodes, type ErrorCodeInfo } from '../core/error-codes.js';
import { exitCodeMeanings } from '../core/exit-codes.js';

const cell = (text: string) => text.replace(/\|/g, '\\|');
const exits = (info: ErrorCodeInfo) => (Array.isArray(info.exit) ? info.exit : [info.exit]).join(', ');

/** docs/errors.md, generated from src/core/error-codes.ts by `npm run docs`. */
export function renderErrorReference(): string {
  const rows = Object.entries(errorCodes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, info]) => `| \`${code}\` | ${exits(info)} | ${cell(info.meaning)} | ${cell(info.action)} |`);
  const exitRows = Object.entries(exitCodeMeanings).map(([code, meaning]) => `| ${code} | ${cell(meaning)} |`);
  const foreign = Object.entries(foreignCodes).map(([code, meaning]) => `- \`${code}\`: ${meaning}`);
  return [
    '# Error codes',
    '',
    '<!-- Generated from src/core/error-codes.ts by `npm run docs`; do not edit by hand. -->',
    '',
    'Every failure regsetup reports carries one of these codes: on stderr as',
    '`regsetup: error CODE: message` followed by `hint: …`, and under `--json` as',
    '`{"ok": false, "error": {"code", "message", "hint"}}`. Codes are stable: scripts may match on them.',
    '',
    '## Exit codes',
    '',
    '| exit | meaning |',
    '| --- | --- |',
    ...exitRows,
    '',
    '## Codes',
    '',
    'Where a code lists two exit codes, the first is the usual one; the message says which applies.',
    '',
    '| code | exit | meaning | what to do |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    '## Codes inside messages',
    '',
    'These appear in the text of a message (a verify step\'s "seen" line), never as the code of an error:',
    '',
    ...foreign,
    '',
  ].join('\n');
}
