import { ExitCode } from '../core/errors.js';
import { exitCodeMeanings } from '../core/exit-codes.js';

/** Help is laid out for 100 columns whatever the terminal, so snapshots and man pages match. */
export const HELP_WIDTH = 100;

/** Per command: what each of its exit codes means there (0 and 1 are added to every table). */
export type ExitTable = Partial<Record<ExitCode, string>>;

export const fullExitTable = (table: ExitTable): Array<[ExitCode, string]> => {
  const merged: ExitTable = { [ExitCode.ok]: exitCodeMeanings[ExitCode.ok], ...table, [ExitCode.unexpected]: table[ExitCode.unexpected] ?? exitCodeMeanings[ExitCode.unexpected] };
  return (Object.keys(merged).map(Number) as ExitCode[]).sort((a, b) => a - b).map((code) => [code, merged[code]!]);
};

/** Breaks text at spaces into lines of at most `width` columns (a longer word stays whole). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** A shell example too long for the width is continued with backslashes, as one would type it. */
export function wrapExample(example: string, indent = '  ', width = HELP_WIDTH): string[] {
  const lines = wrapWords(example, width - indent.length - 6);
  return lines.map((l, i) => `${i === 0 ? indent : `${indent}    `}${l}${i < lines.length - 1 ? ' \\' : ''}`);
}

export function examplesText(examples: readonly string[]): string {
  return examples.length === 0 ? '' : `\nExamples:\n${examples.flatMap((e) => wrapExample(e)).join('\n')}\n`;
}

export function exitCodesText(table: ExitTable): string {
  const rows = fullExitTable(table).flatMap(([code, meaning]) => {
    const [first = '', ...rest] = wrapWords(meaning, HELP_WIDTH - 5);
    return [`  ${code}  ${first}`, ...rest.map((r) => `     ${r}`)];
  });
  return `\nExit codes:\n${rows.join('\n')}\n`;
}
