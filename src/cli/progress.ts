import type { Spinner } from 'yocto-spinner';
import { noProgress, type Progress } from '../core/progress.js';

export type { Progress } from '../core/progress.js';

export interface ProgressSettings {
  /** stderr, when it is a terminal; absent otherwise. */
  stream?: NodeJS.WriteStream;
  json: boolean;
  env: NodeJS.ProcessEnv;
}

/**
 * Spinners only where a person watches: stderr a terminal, no --json, a terminal that can move
 * the cursor (not TERM=dumb), not CI. Anywhere else nothing extra is written: logs and pipes get
 * the step lines alone. NO_COLOR is honoured by the spinner's colours (Node's hasColors reads it).
 */
export const progressWanted = (s: ProgressSettings): s is ProgressSettings & { stream: NodeJS.WriteStream } =>
  s.stream !== undefined && Boolean(s.stream.isTTY) && !s.json && s.env.TERM !== 'dumb' && !('CI' in s.env);

const seconds = (ms: number) => `${Math.floor(ms / 1000)} s`;

/** yocto-spinner (~20 ms to load, ora ~100 ms) is imported on the first spinner only. */
export function startProgress(settings: ProgressSettings, label: string, now: () => number = Date.now): Progress {
  if (!progressWanted(settings)) return noProgress;
  const started = now();
  let text = label;
  let spinner: Spinner | undefined;
  let finished = false;
  const render = () => `${text} (${seconds(now() - started)})`;
  const tick = setInterval(() => spinner && (spinner.text = render()), 1000);
  tick.unref();
  void import('yocto-spinner').then(({ default: yoctoSpinner }) => {
    if (finished) return;
    const frames = settings.env.NO_COLOR === undefined ? undefined : { frames: ['-', '\\', '|', '/'], interval: 120 };
    spinner = yoctoSpinner({ text: render(), stream: settings.stream, ...(frames ? { spinner: frames } : {}) }).start();
  });
  return {
    update: (next) => {
      text = next;
      if (spinner) spinner.text = render();
    },
    done: () => {
      finished = true;
      clearInterval(tick);
      spinner?.stop();
      spinner = undefined;
    },
  };
}
