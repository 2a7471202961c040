import { printable, printableJson, redact } from '../core/redact.js';
import { startProgress, type Progress } from './progress.js';

/**
 * Where a command's words go. Under --json stdout carries exactly one JSON document
 * and every human sentence goes to stderr; without it the report goes to stdout and
 * progress to stderr, so `regsetup status > file` keeps only the report.
 */
export interface Output {
  readonly json: boolean;
  /** The command as typed (`join`, `creds migrate`, `agent status`): the documents say which wrote them. */
  readonly command: string | undefined;
  /**
   * Something on the host changed (a file, a stored credential, a daemon's state): the document's
   * `changed` is true, and so is an error's that stops the run after it.
   */
  markChanged(): void;
  readonly changed: boolean;
  /** Progress and notes: always stderr. */
  note(line: string): void;
  /** The human report: stdout, or stderr under --json. */
  report(line: string): void;
  /** The JSON document (ignored without --json). */
  document(doc: unknown): void;
  /** A spinner with the elapsed time on a terminal; nothing at all elsewhere. */
  progress(label: string): Progress;
}

export interface Streams {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

export interface OutputOptions {
  /** stderr when it is a terminal: where spinners may go. */
  progressStream?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
  command?: string;
}

/** A human line as it may be printed: secrets redacted, control characters made visible. */
export const humanLine = (line: string): string => printable(redact(line));

export function createOutput(json: boolean, streams: Streams = process, options: OutputOptions = {}): Output {
  let changed = false;
  return {
    json,
    command: options.command,
    markChanged: () => void (changed = true),
    get changed() {
      return changed;
    },
    note: (line) => void streams.stderr.write(`${humanLine(line)}\n`),
    report: (line) => void (json ? streams.stderr : streams.stdout).write(`${humanLine(line)}\n`),
    document: (doc) => {
      if (json) streams.stdout.write(`${printableJson(redact(JSON.stringify(doc, null, 2)))}\n`);
    },
    progress: (label) => startProgress({ stream: options.progressStream, json, env: options.env ?? {} }, redact(label)),
  };
}
