/**
 * What is running now, for an operator watching a terminal: a 90 s restart wait, a CA fetch or a
 * credential helper that asks gpg is not silence. The CLI draws it (cli/progress.ts) only where a
 * person watches; everywhere else a port is absent or does nothing, and only the finished lines print.
 */
export interface Progress {
  /** Replace the label (e.g. "pulling library/alpine: 3 of 5 layers"). */
  update(text: string): void;
  /** Take the spinner away; the caller then prints the step's own line. */
  done(ok?: boolean): void;
}

/** Starts showing one thing that runs (one at a time: a new one replaces nothing, so callers finish theirs first). */
export type StartProgress = (label: string) => Progress;

export const noProgress: Progress = { update: () => undefined, done: () => undefined };

/** Runs `work` with `label` shown while it runs (when there is anywhere to show it). */
export async function during<T>(start: StartProgress | undefined, label: string, work: () => Promise<T>): Promise<T> {
  const shown = start?.(label) ?? noProgress;
  try {
    return await work();
  } finally {
    shown.done();
  }
}
