import { posix } from 'node:path';
import { homeDir } from '../host/user.js';

export interface CredentialPaths {
  /** Holds config.json (which backend) and, for the file backend, credentials.json. */
  storeDir: string;
  /** Holds the data key, apart from the data. */
  keyDir: string;
}

/**
 * Where the store lives. Root: /var/lib/regsetup/credentials (data) and /etc/regsetup/private
 * (key) — two trees that backups and images often treat differently. Other users: the XDG
 * data and config directories. REGSETUP_CREDENTIALS_DIR / REGSETUP_CREDENTIALS_KEY_DIR move them.
 */
export function credentialPaths(env: NodeJS.ProcessEnv, uid: number): CredentialPaths {
  const home = homeDir(env);
  const storeDir = env.REGSETUP_CREDENTIALS_DIR
    || (uid === 0 ? '/var/lib/regsetup/credentials' : posix.join(env.XDG_DATA_HOME || posix.join(home, '.local/share'), 'regsetup/credentials'));
  const keyDir = env.REGSETUP_CREDENTIALS_KEY_DIR
    || (uid === 0 ? '/etc/regsetup/private' : posix.join(env.XDG_CONFIG_HOME || posix.join(home, '.config'), 'regsetup/private'));
  return { storeDir, keyDir };
}

export const storeConfigPath = (p: CredentialPaths) => posix.join(p.storeDir, 'config.json');
export const credentialsFilePath = (p: CredentialPaths) => posix.join(p.storeDir, 'credentials.json');
