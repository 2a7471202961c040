import { readFile } from 'node:fs/promises';
import { badInput, usageError } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';

export interface SecretSources {
  username?: string;
  passwordStdin?: boolean;
  passwordFile?: string;
}

/** Asks for the password with hidden input; given only where a person sits at a terminal. */
export type PasswordPrompt = (question: string) => Promise<string>;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

// `echo "$PW" |` and files written by editors end in a newline that is not part of the password.
const chomp = (text: string) => text.replace(/\r?\n$/, '');

export const PASSWORD_WAYS = 'Give it with --password-stdin (echo "$PW" | regsetup …), --password-file FILE, or the REGSETUP_PASSWORD variable.';

/** Where the password came from, in the words the user typed, for messages about it. */
interface Found {
  password: string | undefined;
  source: string;
  hint: string;
}

async function fromSources(src: SecretSources, stdin: NodeJS.ReadableStream, env: NodeJS.ProcessEnv): Promise<Found> {
  if (src.passwordStdin) return { password: chomp(await readAll(stdin)), source: 'standard input (--password-stdin)', hint: 'Check what you piped into --password-stdin.' };
  if (src.passwordFile !== undefined) {
    try {
      return { password: chomp(await readFile(src.passwordFile, 'utf8')), source: `--password-file ${src.passwordFile}`, hint: `Put the password in ${src.passwordFile}.` };
    } catch (error) {
      throw badInput('ERR_PASSWORD_FILE', `cannot read --password-file ${src.passwordFile}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
  }
  return { password: env.REGSETUP_PASSWORD, source: 'REGSETUP_PASSWORD', hint: 'REGSETUP_PASSWORD is set but empty: set it to the password, or unset it.' };
}

/**
 * The password from exactly one of stdin, a file, REGSETUP_PASSWORD, or — with --username and
 * none of those — a hidden prompt on the terminal (as `docker login` asks). Never argv. Without a
 * terminal a user name with no password is refused rather than silently run anonymously.
 * Returns undefined when neither a user nor a password was named; every secret is registered
 * for redaction.
 */
export async function readPassword(src: SecretSources, stdin: NodeJS.ReadableStream, env: NodeJS.ProcessEnv, prompt?: PasswordPrompt): Promise<string | undefined> {
  const named = [src.passwordStdin, src.passwordFile !== undefined].filter(Boolean).length;
  if (named > 1) throw usageError('--password-stdin and --password-file are exclusive', 'Give the password one way.');
  let found = await fromSources(src, stdin, env);
  if (found.password === undefined) {
    if (!src.username) return undefined;
    if (!prompt) throw badInput('ERR_PASSWORD_REQUIRED', `--username ${src.username} was given without a password, and there is no terminal to ask on`, PASSWORD_WAYS);
    found = { password: await prompt(`Password for ${src.username}:`), source: 'the terminal', hint: 'Type the password at the prompt.' };
  }
  const password = found.password!;
  if (password === '') throw badInput('ERR_EMPTY_PASSWORD', `the password from ${found.source} is empty`, found.hint);
  if (!src.username) throw usageError(`a password was given (${found.source}) without --username`, 'Add --username USER.');
  registerSecret(password, src.username);
  return password;
}
