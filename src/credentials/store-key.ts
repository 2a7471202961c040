import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import * as z from 'zod';
import { RegsetupError } from '../core/errors.js';
import type { Processes } from '../host/processes.js';
import { corrupt, readPrivate, writePrivate, type PrivateFilesPorts } from './private-files.js';

// The data key (32 random bytes) never sits next to the data. With systemd-creds it is itself
// encrypted to this machine (TPM2 when there is one, else /var/lib/systemd/credential.secret);
// otherwise it is a 0600 file in a 0700 directory of its own.

export const keyRefSchema = z.object({ kind: z.enum(['file', 'systemd-creds']), path: z.string().min(1) });
export type KeyRef = z.infer<typeof keyRefSchema>;

export interface KeyPorts extends PrivateFilesPorts {
  processes: Pick<Processes, 'run'>;
  env: NodeJS.ProcessEnv;
}

const CRED_NAME = 'regsetup-credential-key';
const KEY_BYTES = 32;

async function systemdCredsWorks(ports: KeyPorts): Promise<boolean> {
  return (await ports.processes.run('systemd-creds', ['--version'], { timeoutMs: 5_000 })).exitCode === 0;
}

/**
 * How a new store protects its key: REGSETUP_CREDENTIALS_KEY_PROTECTION (file | systemd-creds)
 * decides when set; else systemd-creds for root on the real host, a key file otherwise.
 */
export async function chooseKeyRef(ports: KeyPorts, keyDir: string, realHost: boolean): Promise<KeyRef> {
  const wanted = ports.env.REGSETUP_CREDENTIALS_KEY_PROTECTION;
  const useCreds = wanted === 'systemd-creds' || (wanted !== 'file' && realHost && ports.uid === 0 && (await systemdCredsWorks(ports)));
  return useCreds ? { kind: 'systemd-creds', path: posix.join(keyDir, 'credential.key.cred') } : { kind: 'file', path: posix.join(keyDir, 'credential.key') };
}

const keyFailure = (message: string, hint: string) => new RegsetupError('ERR_CREDENTIAL_KEY', message, { hint });

/** Make a new key and keep it where ref says; returns the key. Never replaces an existing key. */
export async function createKey(ports: KeyPorts, ref: KeyRef): Promise<Buffer> {
  if ((await readPrivate(ports, ref.path)) !== undefined) return loadKey(ports, ref);
  const key = randomBytes(KEY_BYTES);
  let stored = `${key.toString('base64')}\n`;
  if (ref.kind === 'systemd-creds') {
    const r = await ports.processes.run('systemd-creds', ['encrypt', `--name=${CRED_NAME}`, '--with-key=auto', '-', '-'], { input: key.toString('base64'), timeoutMs: 30_000 });
    if (r.exitCode !== 0) throw keyFailure(`systemd-creds could not encrypt the credential key: ${r.stderr || r.stdout}`, 'Set REGSETUP_CREDENTIALS_KEY_PROTECTION=file to keep the key in a root-only file instead.');
    stored = r.stdout.endsWith('\n') ? r.stdout : `${r.stdout}\n`;
  }
  await writePrivate(ports, ref.path, stored);
  return key;
}

export async function loadKey(ports: KeyPorts, ref: KeyRef): Promise<Buffer> {
  const text = await readPrivate(ports, ref.path);
  if (text === undefined) {
    throw keyFailure(
      `the credential store's key ${ref.path} is missing, so the stored credentials cannot be read`,
      'Restore the key from a backup, or remove the store (see regsetup creds doctor) and log in again.',
    );
  }
  let encoded = text.trim();
  if (ref.kind === 'systemd-creds') {
    const r = await ports.processes.run('systemd-creds', ['decrypt', `--name=${CRED_NAME}`, '-', '-'], { input: text, timeoutMs: 30_000 });
    if (r.exitCode !== 0) throw keyFailure(`systemd-creds could not decrypt ${ref.path}: ${r.stderr || r.stdout}`, 'The key is bound to this machine (its TPM2 or /var/lib/systemd/credential.secret); on another machine, log in again.');
    encoded = r.stdout.trim();
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length !== KEY_BYTES || key.toString('base64') !== encoded) throw corrupt(ref.path, `not a ${KEY_BYTES}-byte base64 key`);
  return key;
}
