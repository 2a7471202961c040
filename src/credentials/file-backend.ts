import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as z from 'zod';
import { findKey, type CredentialBackend } from './backend.js';
import { corrupt, readPrivateJson, writePrivate, type PrivateFilesPorts } from './private-files.js';

// credentials.json: usernames in the clear (`list` shows them anyway), each secret sealed with
// AES-256-GCM under the store key, with ServerURL and Username as associated data so an entry
// copied onto another registry's key does not decrypt.

const entrySchema = z.object({ username: z.string(), nonce: z.string(), secret: z.string(), tag: z.string() });
const fileSchema = z.object({ version: z.literal(1), entries: z.record(z.string(), entrySchema) });
type StoreFile = z.infer<typeof fileSchema>;

const aad = (serverUrl: string, username: string) => Buffer.from(`regsetup-credential-v1\0${serverUrl}\0${username}`);

export function seal(key: Buffer, serverUrl: string, username: string, secret: string): z.infer<typeof entrySchema> {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce).setAAD(aad(serverUrl, username));
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return { username, nonce: nonce.toString('base64'), secret: sealed.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

export function open(key: Buffer, serverUrl: string, entry: z.infer<typeof entrySchema>): string | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(entry.nonce, 'base64')).setAAD(aad(serverUrl, entry.username));
    decipher.setAuthTag(Buffer.from(entry.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(entry.secret, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

export interface FileBackendPorts extends PrivateFilesPorts {
  /** Loaded only when a secret is sealed or opened: `list` and `erase` do not need the key. */
  key: () => Promise<Buffer>;
}

export function fileBackend(ports: FileBackendPorts, path: string): CredentialBackend {
  const read = async (): Promise<StoreFile> => (await readPrivateJson(ports, path, fileSchema)) ?? { version: 1, entries: {} };
  const write = (data: StoreFile) => writePrivate(ports, path, `${JSON.stringify(data, null, 2)}\n`);
  const locked = <T>(fn: () => Promise<T>) => ports.files.withLock(`${path}.lock`, fn);

  return {
    name: 'file',
    store: (c) =>
      locked(async () => {
        const data = await read();
        const old = findKey(data.entries, c.ServerURL);
        const key = await ports.key();
        // The same credentials again (every join stores them): a fresh nonce would rewrite the
        // file for nothing, and a converged node would never be byte-for-byte stable.
        const kept = old === c.ServerURL ? data.entries[old]! : undefined;
        if (kept?.username === c.Username && open(key, c.ServerURL, kept) === c.Secret) return;
        if (old !== undefined) delete data.entries[old];
        data.entries[c.ServerURL] = seal(key, c.ServerURL, c.Username, c.Secret);
        await write(data);
      }),
    get: async (serverUrl) => {
      const data = await read();
      const key = findKey(data.entries, serverUrl);
      if (key === undefined) return undefined;
      const entry = data.entries[key]!;
      const secret = open(await ports.key(), key, entry);
      if (secret === undefined) throw corrupt(path, `the entry for ${key} does not decrypt with the store's key`);
      return { Username: entry.username, Secret: secret };
    },
    erase: (serverUrl) =>
      locked(async () => {
        const data = await read();
        const key = findKey(data.entries, serverUrl);
        if (key === undefined) return false;
        delete data.entries[key];
        await write(data);
        return true;
      }),
    list: async () => Object.fromEntries(Object.entries((await read()).entries).map(([url, e]) => [url, e.username])),
  };
}
