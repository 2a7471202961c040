import { NOT_FOUND_MESSAGE, type CredentialBackend, type HelperCredential } from './backend.js';

// The Docker credential-helper protocol as docker-credential-helpers' credentials.Serve speaks
// it: one action per process, the payload on stdin, the answer (and any error) on STDOUT,
// exit 1 on error. docker/cli reads the error text from stdout and matches "not found" by text.

export interface HelperAnswer {
  stdout: string;
  exitCode: 0 | 1;
}

class ProtocolError extends Error {}

const ok = (stdout: string): HelperAnswer => ({ stdout, exitCode: 0 });
const fail = (message: string): HelperAnswer => ({ stdout: `${message}\n`, exitCode: 1 });

/** Go's encoding/json matches field names case-insensitively; so do we. */
function field(obj: Record<string, unknown>, name: string): string {
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : obj[key];
  return typeof value === 'string' ? value : '';
}

function parseStoreInput(input: string): HelperCredential {
  let raw: unknown;
  try {
    raw = JSON.parse(input);
  } catch {
    throw new ProtocolError('error reading credentials from stdin: not a JSON object');
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ProtocolError('error reading credentials from stdin: not a JSON object');
  const obj = raw as Record<string, unknown>;
  const credential = { ServerURL: field(obj, 'ServerURL'), Username: field(obj, 'Username'), Secret: field(obj, 'Secret') };
  if (credential.ServerURL.trim() === '') throw new ProtocolError('no credentials server URL');
  if (credential.Username === '') throw new ProtocolError('no credentials username');
  return credential;
}

function serverUrlFrom(input: string): string {
  const url = input.trim();
  if (url === '') throw new ProtocolError('no credentials server URL');
  return url;
}

/**
 * Answer one helper invocation. Never throws: a backend's failure becomes its message on
 * stdout with exit 1, which is what docker/cli shows the user.
 */
export async function serveHelper(action: string | undefined, input: string, backend: CredentialBackend, version: string): Promise<HelperAnswer> {
  try {
    switch (action) {
      case 'store':
        await backend.store(parseStoreInput(input));
        return ok('');
      case 'get': {
        const serverUrl = serverUrlFrom(input);
        const found = await backend.get(serverUrl);
        if (found === undefined) return fail(NOT_FOUND_MESSAGE);
        return ok(`${JSON.stringify({ ServerURL: serverUrl, Username: found.Username, Secret: found.Secret })}\n`);
      }
      case 'erase':
        if (!(await backend.erase(serverUrlFrom(input)))) return fail(NOT_FOUND_MESSAGE);
        return ok('');
      case 'list':
        return ok(`${JSON.stringify(await backend.list())}\n`);
      case 'version':
        return ok(`docker-credential-regsetup (regsetup) ${version}\n`);
      case undefined:
        return fail('Usage: docker-credential-regsetup <store|get|erase|list|version>');
      default:
        return fail(`Unknown credential action \`${action}\``);
    }
  } catch (error) {
    // One line, as docker/cli prints it inside its own error; the hint says what to do.
    const hint = (error as { hint?: unknown }).hint;
    const message = error instanceof Error ? error.message : String(error);
    return fail(typeof hint === 'string' ? `${message} (${hint})` : message);
  }
}
