import { Option } from 'commander';
import { badInput } from '../core/errors.js';

/**
 * Flags whose values have a form are checked as commander reads them, so the message names the
 * flag and the form ("--max-clock-skew takes a number of seconds (0–86400), not "abc"") instead
 * of a schema library's words further down.
 */
const flagName = (option: Option) => option.long ?? option.flags;

export function secondsFlag(flags: string, description: string, range: { max: number; default?: number }): Option {
  const option = new Option(flags, description);
  if (range.default !== undefined) option.default(range.default);
  return option.argParser((value: string) => {
    const n = /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : Number.NaN;
    if (!(n >= 0 && n <= range.max)) {
      throw badInput('ERR_BAD_FLAG', `${flagName(option)} takes a number of seconds (0–${range.max}), not "${value}"`);
    }
    return n;
  });
}

export function choiceFlag(flags: string, description: string, choices: readonly string[], defaultValue?: string): Option {
  const option = new Option(flags, description).choices(choices);
  if (defaultValue !== undefined) option.default(defaultValue);
  // choices() set commander's own parser; ours keeps the list (help, completion) and our wording.
  return option.argParser((value: string) => {
    if (!choices.includes(value)) throw badInput('ERR_BAD_FLAG', `${flagName(option)} takes one of ${choices.join(', ')}, not "${value}"`);
    return value;
  });
}
