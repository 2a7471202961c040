import { findKey, type CredentialBackend, type HelperCredential } from '../../src/credentials/backend.js';

/** An in-memory credential store (docker/cli tests its store against such a fake). */
export function memoryBackend(initial: HelperCredential[] = []): CredentialBackend & { entries: Map<string, HelperCredential> } {
  const entries = new Map(initial.map((c) => [c.ServerURL, c]));
  const key = (url: string) => findKey(Object.fromEntries(entries), url);
  return {
    name: 'memory',
    entries,
    store: async (c) => {
      const old = key(c.ServerURL);
      if (old !== undefined) entries.delete(old);
      entries.set(c.ServerURL, { ...c });
    },
    get: async (url) => {
      const k = key(url);
      const c = k === undefined ? undefined : entries.get(k);
      return c && { Username: c.Username, Secret: c.Secret };
    },
    erase: async (url) => {
      const k = key(url);
      return k !== undefined && entries.delete(k);
    },
    list: async () => Object.fromEntries([...entries].map(([url, c]) => [url, c.Username])),
  };
}
