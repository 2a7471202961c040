import { ExitCode } from '../../core/errors.js';
import { modelOf } from '../command-model.js';
import { bashCompletion } from '../completion-bash.js';
import { zshCompletion } from '../completion-zsh.js';
import { describeProgram, type Runner } from '../program.js';

/** `regsetup completion bash|zsh`: the script on stdout (commander has checked the shell). */
export const run: Runner = async (ctx, [shell]) => {
  const model = modelOf(describeProgram());
  const script = shell === 'zsh' ? zshCompletion(model) : bashCompletion(model);
  ctx.out.report(script.trimEnd());
  return ExitCode.ok;
};
