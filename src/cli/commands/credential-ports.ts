import { credentialStore, type CredentialStore } from '../../credentials/store.js';
import { dockerConfigDir } from '../../host/credential-lookup.js';
import { nodeFiles, type Files } from '../../host/files.js';
import { rooted } from '../../host/host-path.js';
import { homeDir } from '../../host/user.js';
import { processes } from '../../host/processes.js';
import type { CommandContext } from '../context.js';

export interface CredentialCommandPorts {
  files: Files;
  store: CredentialStore;
  processes: typeof processes;
  env: NodeJS.ProcessEnv;
  uid: number;
  /** Host path (files is already under --root). */
  dockerConfigDir: string;
}

/** The real ports of `login` and `creds`, for the user running regsetup. */
export function credentialCommandPorts(ctx: CommandContext, dockerConfigFlag: string | undefined): CredentialCommandPorts {
  const root = ctx.global.root;
  // The user's home is a trusted base for the symlink rule (a /home that is a link is the system's business).
  const files = rooted(nodeFiles(undefined, { trusted: [homeDir(ctx.env)] }), root);
  const uid = process.getuid?.() ?? 0;
  const store = credentialStore({ files, processes, env: ctx.env, uid }, { realHost: root === '/' || root === '' });
  return { files, store, processes, env: ctx.env, uid, dockerConfigDir: dockerConfigDir(ctx.env, dockerConfigFlag) };
}
