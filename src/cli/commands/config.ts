import { formatProblems, parseDesiredFile, DEFAULT_DESIRED_FILE } from '../../core/desired-file.js';
import { ExitCode, usageError } from '../../core/errors.js';
import { nodeFiles } from '../../host/files.js';
import { rooted } from '../../host/host-path.js';
import type { Runner } from '../context.js';
import { emit } from '../documents/documents.js';

/** `regsetup config validate [FILE]`: every problem of the desired-state file as FILE:LINE:COLUMN: message. */
export const run: Runner = async (ctx, [fileArg]) => {
  const file = fileArg ?? DEFAULT_DESIRED_FILE;
  const text = await rooted(nodeFiles(), ctx.global.root).readText(file);
  if (text === undefined) throw usageError(`${file} does not exist`, 'Name the file to check, or create it with `regsetup join <registry> … --save`.');
  const parsed = parseDesiredFile(text);
  if (!parsed.ok) {
    for (const line of formatProblems(file, parsed.problems)) ctx.out.report(line);
    await emit(ctx.out, 'config validate', { ok: false, file, problems: parsed.problems });
    return ExitCode.usage;
  }
  const n = parsed.file.registries.length;
  ctx.out.report(`${file}: valid (${n} ${n === 1 ? 'registry' : 'registries'}: ${parsed.file.registries.map((r) => r.registry).join(', ') || 'none'})`);
  await emit(ctx.out, 'config validate', { ok: true, file, registries: parsed.file.registries.map((r) => r.registry), agent: parsed.file.agent });
  return ExitCode.ok;
};
