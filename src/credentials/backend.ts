/** One credential as the Docker credential-helper protocol carries it. */
export interface HelperCredential {
  ServerURL: string;
  /** "<token>" when Secret is an identity (refresh) token. */
  Username: string;
  Secret: string;
}

/** What the protocol needs from a store: regsetup's file store, another helper, or a fake. */
export interface CredentialBackend {
  /** A short name for reports: "file", "pass", "secretservice", "memory"… */
  readonly name: string;
  store(credential: HelperCredential): Promise<void>;
  /** undefined when the store has nothing for serverUrl. */
  get(serverUrl: string): Promise<Omit<HelperCredential, 'ServerURL'> | undefined>;
  /** false when there was nothing to erase. */
  erase(serverUrl: string): Promise<boolean>;
  /** serverUrl → username. */
  list(): Promise<Record<string, string>>;
}

/** docker-credential-helpers' errCredentialsNotFound, byte for byte: docker/cli matches this text. */
export const NOT_FOUND_MESSAGE = 'credentials not found in native keychain';

/** A store that holds serverUrl under another spelling ("https://host/" for "host"). */
export function findKey<T>(entries: Record<string, T>, serverUrl: string): string | undefined {
  if (serverUrl in entries) return serverUrl;
  const bare = (s: string) => s.replace(/^https?:\/\//, '').replace(/\/+$/, '').toLowerCase();
  return Object.keys(entries).find((key) => bare(key) === bare(serverUrl));
}
