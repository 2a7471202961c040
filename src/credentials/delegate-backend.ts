import { randomBytes } from 'node:crypto';
import { RegsetupError } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';
import type { Processes } from '../host/processes.js';
import { NOT_FOUND_MESSAGE, type CredentialBackend } from './backend.js';

const TIMEOUT_MS = 15_000;

/** Another credential helper (docker-credential-<name>), spoken to over the same protocol. */
export function delegateBackend(processes: Pick<Processes, 'run'>, name: string): CredentialBackend {
  const bin = `docker-credential-${name}`;
  const call = async (action: string, input: string) => {
    const r = await processes.run(bin, [action], { input, timeoutMs: TIMEOUT_MS });
    const text = (r.stdout || r.stderr).trim();
    return { ok: r.exitCode === 0, text, notFound: r.exitCode !== 0 && text.includes(NOT_FOUND_MESSAGE) };
  };
  const failed = (action: string, text: string) =>
    new RegsetupError('ERR_CREDENTIAL_HELPER', `${bin} ${action} failed: ${text || 'no output'}`, {
      hint: `Check that ${bin} works (regsetup creds doctor).`,
    });

  return {
    name,
    store: async (c) => {
      registerSecret(c.Secret, c.Username);
      const r = await call('store', JSON.stringify(c));
      if (!r.ok) throw failed('store', r.text);
    },
    get: async (serverUrl) => {
      const r = await call('get', serverUrl);
      if (r.notFound) return undefined;
      if (!r.ok) throw failed('get', r.text);
      let parsed: { Username?: unknown; Secret?: unknown };
      try {
        parsed = JSON.parse(r.text) as typeof parsed;
      } catch {
        throw failed('get', 'an answer that is not JSON');
      }
      const Username = typeof parsed.Username === 'string' ? parsed.Username : '';
      const Secret = typeof parsed.Secret === 'string' ? parsed.Secret : '';
      // docker-credential-pass answers an uninitialised store with empty fields and exit 0.
      if (Username === '' && Secret === '') return undefined;
      registerSecret(Secret, Username);
      return { Username, Secret };
    },
    erase: async (serverUrl) => {
      const r = await call('erase', serverUrl);
      if (r.notFound) return false;
      if (!r.ok) throw failed('erase', r.text);
      return true;
    },
    list: async () => {
      const r = await call('list', '');
      if (!r.ok) throw failed('list', r.text);
      try {
        return JSON.parse(r.text || '{}') as Record<string, string>;
      } catch {
        throw failed('list', 'an answer that is not JSON');
      }
    },
  };
}

const PROBE_URL = 'https://regsetup-health-check.invalid';

/** A store → get → erase round trip with a throwaway secret: "found" is not "works". */
export async function healthCheck(backend: CredentialBackend): Promise<{ ok: boolean; detail: string }> {
  const secret = randomBytes(12).toString('hex');
  try {
    await backend.store({ ServerURL: PROBE_URL, Username: 'regsetup-probe', Secret: secret });
    const back = await backend.get(PROBE_URL);
    await backend.erase(PROBE_URL).catch(() => false);
    if (back?.Secret !== secret) return { ok: false, detail: 'stored a test secret but could not read it back' };
    return { ok: true, detail: 'store/get/erase round trip worked' };
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}
