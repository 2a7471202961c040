import { ExitCode, usageError } from '../../core/errors.js';
import { during } from '../../core/progress.js';
import { loginChanged, loginRegistry } from '../../credentials/login.js';
import { dockerApi } from '../../host/docker-api.js';
import { readPassword } from '../../host/secret-input.js';
import type { Runner } from '../context.js';
import { passwordPrompt } from '../prompt.js';
import { emit } from '../documents/documents.js';
import { credentialCommandPorts } from './credential-ports.js';

interface LoginFlags {
  username?: string;
  passwordStdin?: boolean;
  passwordFile?: string;
  dockerConfig?: string;
}

export const run: Runner = async (ctx, [registry], opts) => {
  const flags = opts as LoginFlags;
  if (!flags.username) throw usageError('regsetup login needs --username', 'Add --username USER and pipe the password into --password-stdin.');
  const password = await readPassword(flags, ctx.stdin, ctx.env, passwordPrompt(ctx.interactive));
  if (password === undefined) throw usageError('no password given', 'Pipe it into --password-stdin, use --password-file FILE, or set REGSETUP_PASSWORD.');
  const ports = credentialCommandPorts(ctx, flags.dockerConfig);
  const result = await during((label) => ctx.out.progress(label), `logging in to ${registry!} through dockerd and storing the credentials in the regsetup helper`, () =>
    loginRegistry(
      { ...ports, docker: dockerApi({ dockerHost: ctx.global.dockerHost }) },
      { registry: registry!, username: flags.username!, password, dockerConfigDir: ports.dockerConfigDir, root: ctx.global.root },
    ),
  );
  if (loginChanged(result)) ctx.out.markChanged();
  if (result.helper.installed) ctx.out.note(`installed ${result.helper.path} so the docker CLI finds the helper`);
  if (result.removedPlaintext.length > 0) ctx.out.note(`removed the plaintext credentials of ${result.removedPlaintext.join(', ')} from ${result.dockerConfig}`);
  ctx.out.report(`Login Succeeded: ${result.username}@${result.registry}, ${result.stored ? 'kept' : 'already kept'} by docker-credential-regsetup (${result.backend}); ${result.dockerConfig} sends ${result.registry} to it`);
  await emit(ctx.out, 'login', { ok: true, ...result });
  return ExitCode.ok;
};
