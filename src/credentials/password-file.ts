import { badInput, refused } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';
import type { Files } from '../host/files.js';

// A desired state names its password by file (`credentials.passwordFile`), never inline. Such a
// file is only as secret as its mode: one that the group or the world may read is refused.

const chomp = (text: string) => text.replace(/\r?\n$/, '');

/** The password in `path` (files: under --root); registered for redaction. */
export async function readPasswordFile(files: Files, path: string, username: string): Promise<string> {
  const stat = await files.stat(path);
  if (stat === undefined) throw badInput('ERR_PASSWORD_FILE', `the password file ${path} does not exist`, 'Create it (mode 0600), or change credentials.passwordFile.');
  if ((stat.mode & 0o077) !== 0) {
    throw refused(
      'ERR_PASSWORD_FILE_TOO_OPEN',
      `the password file ${path} has mode 0${stat.mode.toString(8)}: other users may read it; refusing to use it`,
      `Restrict it (chmod 600 ${path}) and change the password if others could have read it. Nothing was changed.`,
    );
  }
  const password = chomp((await files.readText(path)) ?? '');
  if (password === '') throw badInput('ERR_EMPTY_PASSWORD', `the password file ${path} is empty`);
  registerSecret(password, username);
  return password;
}
