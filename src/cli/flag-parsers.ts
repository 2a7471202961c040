import { Option } from 'commander';
import { parseDuration } from '../core/duration.js';
import { badInput } from '../core/errors.js';
import { isRepositoryPath } from '../core/registry-name.js';
import { parseDockerHost } from '../host/docker-connection.js';

/**
 * Flags whose values have a form are checked as commander reads them, so the message names the
 * flag and the form ("--max-clock-skew takes a number of seconds (0–86400), not "abc"") instead
 * of a schema library's words further down — and before anything is asked of the host.
 */
const flagName = (option: Option) => option.long ?? option.flags;

const refuse = (option: Option, form: string, value: string, hint?: string) =>
  badInput('ERR_BAD_FLAG', `${flagName(option)} takes ${form}, not "${value}"`, hint);

/** An option whose value must pass `check` (which returns what the command gets, or undefined). */
function formFlag<T>(flags: string, description: string, form: string, check: (value: string) => T | undefined, hint?: string): Option {
  const option = new Option(flags, description);
  return option.argParser((value: string) => {
    const parsed = check(value);
    if (parsed === undefined) throw refuse(option, form, value, hint);
    return parsed;
  });
}

export function secondsFlag(flags: string, description: string, range: { max: number; default?: number }): Option {
  const option = formFlag(flags, description, `a number of seconds (0–${range.max})`, (value) => {
    const n = /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : Number.NaN;
    return n >= 0 && n <= range.max ? n : undefined;
  });
  if (range.default !== undefined) option.default(range.default);
  return option;
}

const oneOf = (choices: readonly string[]) => `one of ${choices.join(', ')}`;

export function choiceFlag(flags: string, description: string, choices: readonly string[], defaultValue?: string): Option {
  const option = new Option(flags, description).choices(choices);
  if (defaultValue !== undefined) option.default(defaultValue);
  // choices() set commander's own parser; ours keeps the list (help, completion) and our wording.
  return option.argParser((value: string) => {
    if (!choices.includes(value)) throw refuse(option, oneOf(choices), value);
    return value;
  });
}

/** A repeatable flag whose every value is one of a fixed set (`--runtime docker --runtime k3s`). */
export function choicesFlag(flags: string, description: string, choices: readonly string[]): Option {
  const option = new Option(flags, description).choices(choices);
  return option.argParser((value: string, previous: string[] | undefined) => {
    if (!choices.includes(value)) throw refuse(option, oneOf(choices), value);
    return [...(previous ?? []), value];
  });
}

/** A duration as the desired-state file writes it (30s, 5m, 1h), of at least `minMs`; the command gets milliseconds. */
export const durationFlag = (flags: string, description: string, minMs: number): Option =>
  formFlag(flags, description, `a duration of at least ${minMs / 1000}s such as 30s, 5m or 1h`, (value) => {
    const ms = parseDuration(value);
    return ms !== undefined && ms >= minMs ? ms : undefined;
  });

/** host:port to listen on (`127.0.0.1:9324`, `[::1]:9324`, port 0 picks one). */
export const listenFlag = (flags: string, description: string): Option =>
  formFlag(flags, description, 'HOST:PORT such as 127.0.0.1:9324', (value) => {
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
    return m !== null && Number(m[2]) <= 65_535 ? value : undefined;
  });

/** A repository path on a registry (`regsetup/verify`): lowercase components, as the distribution spec allows. */
export const repositoryFlag = (flags: string, description: string): Option =>
  formFlag(flags, description, 'a repository name of lowercase path components such as regsetup/verify', (value) => (isRepositoryPath(value) ? value : undefined));

/** A Docker Hub image (`hello-world`, `library/alpine:3.20`, `docker.io/library/alpine`). */
export const hubImageFlag = (flags: string, description: string): Option =>
  formFlag(flags, description, 'a Docker Hub image such as library/hello-world:latest', (value) => {
    const m = /^(?:(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\/)?([^:@]+)(?::([\w][\w.-]{0,127}))?$/.exec(value);
    return m !== null && isRepositoryPath(m[1]!) ? value : undefined;
  });

/** DOCKER_HOST's forms; the same check the Docker connection makes later, said of the flag. */
export const dockerHostFlag = (flags: string, description: string): Option =>
  formFlag(flags, description, 'unix:///path/to/docker.sock or tcp://host:port', (value) => {
    try {
      parseDockerHost(value);
      return value;
    } catch {
      return undefined;
    }
  });
