import { readFile } from 'node:fs/promises';
import { badInput, usageError } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';

export interface SecretSources {
  username?: string;
  passwordStdin?: boolean;
  passwordFile?: string;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

// `echo "$PW" |` and files written by editors end in a newline that is not part of the password.
const chomp = (text: string) => text.replace(/\r?\n$/, '');

/**
 * The password from exactly one of stdin, a file, or REGSETUP_PASSWORD — never argv.
 * Returns undefined when no source was named; every secret read is registered for redaction.
 */
export async function readPassword(src: SecretSources, stdin: NodeJS.ReadableStream, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const named = [src.passwordStdin, src.passwordFile !== undefined].filter(Boolean).length;
  if (named > 1) throw usageError('--password-stdin and --password-file are exclusive', 'Give the password one way.');
  let password: string | undefined;
  if (src.passwordStdin) password = chomp(await readAll(stdin));
  else if (src.passwordFile !== undefined) {
    try {
      password = chomp(await readFile(src.passwordFile, 'utf8'));
    } catch (error) {
      throw badInput('ERR_PASSWORD_FILE', `cannot read --password-file ${src.passwordFile}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
  } else password = env.REGSETUP_PASSWORD;
  if (password === undefined) return undefined;
  if (password === '') throw badInput('ERR_EMPTY_PASSWORD', 'the password is empty', 'Check what you piped into --password-stdin.');
  if (!src.username) throw usageError('a password was given without --username', 'Add --username USER.');
  registerSecret(password, src.username);
  return password;
}
