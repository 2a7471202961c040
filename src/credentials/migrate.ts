import { posix } from 'node:path';
import { authKeyHost, parseDockerConfig, type DockerConfig } from '../core/docker-config.js';
import { credentialKey, editDockerConfig, keysFor, REGSETUP_HELPER } from '../core/docker-config-edit.js';
import { RegsetupError, ExitCode } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';
import type { Files } from '../host/files.js';
import type { CredentialBackend, HelperCredential } from './backend.js';

export interface MigrationItem {
  /** The auths key as config.json has it. */
  authKey: string;
  /** The helper key (host[:port], or Docker Hub's index URL). */
  registry: string;
  username: string;
  action: 'move' | 'skip';
  /** Why an entry stays. */
  reason?: string;
}

interface PlannedMove extends MigrationItem {
  credential?: HelperCredential;
}

/** Which auths entries hold credentials inline, and what becomes of each. Pure. */
export function planMigration(config: DockerConfig): PlannedMove[] {
  const items: PlannedMove[] = [];
  for (const [authKey, entry] of Object.entries(config.auths ?? {})) {
    if (!entry.auth && !entry.identitytoken) continue;
    const registry = credentialKey(authKey);
    const decoded = Buffer.from(entry.auth ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const username = colon > 0 ? decoded.slice(0, colon) : '';
    const password = colon > 0 ? decoded.slice(colon + 1) : '';
    const base = { authKey, registry, username: entry.identitytoken ? '<token>' : username };
    const helper = keysFor(config.credHelpers, registry).map((k) => config.credHelpers![k]!)[0];
    if (helper !== undefined && helper !== REGSETUP_HELPER) {
      items.push({ ...base, action: 'skip', reason: `credHelpers sends ${authKeyHost(authKey)} to docker-credential-${helper}, so docker never uses this plaintext; remove it by hand once that helper has it` });
    } else if (entry.identitytoken) {
      registerSecret(entry.identitytoken);
      items.push({ ...base, action: 'move', credential: { ServerURL: registry, Username: '<token>', Secret: entry.identitytoken } });
    } else if (colon > 0 && password !== '') {
      registerSecret(password, username);
      items.push({ ...base, action: 'move', credential: { ServerURL: registry, Username: username, Secret: password } });
    } else {
      items.push({ ...base, action: 'skip', reason: 'the auth field is not base64 of user:password' });
    }
  }
  return items;
}

export interface MigratePorts {
  files: Files;
  store: CredentialBackend;
}

export interface MigrateOptions {
  dockerConfigDir: string;
  dryRun?: boolean;
  /** Asked once, with the list, before anything is stored; false cancels. */
  confirm?: (items: MigrationItem[]) => Promise<boolean>;
}

export interface MigrateResult {
  dockerConfig: string;
  items: MigrationItem[];
  moved: string[];
  configChanged: boolean;
  cancelled?: boolean;
}

const publicItem = (planned: PlannedMove): MigrationItem => {
  const item = { ...planned };
  delete item.credential;
  return item;
};

/**
 * Store every inline credential through the helper, read each back, and only when all of them
 * came back intact rewrite config.json once: credHelpers set, plaintext gone. If one fails,
 * what this run stored (and was not there before) is erased again and config.json is untouched.
 */
export async function migrateCredentials(ports: MigratePorts, options: MigrateOptions): Promise<MigrateResult> {
  const path = posix.join(options.dockerConfigDir, 'config.json');
  const before = await ports.files.readText(path);
  const planned = planMigration(parseDockerConfig(before, path));
  const items = planned.map(publicItem);
  const moves = planned.filter((p) => p.action === 'move');
  const result: MigrateResult = { dockerConfig: path, items, moved: [], configChanged: false };
  if (moves.length === 0 || options.dryRun) return result;
  if (options.confirm && !(await options.confirm(items))) return { ...result, cancelled: true };

  const added: string[] = [];
  try {
    for (const move of moves) {
      const c = move.credential!;
      if ((await ports.store.get(c.ServerURL)) === undefined) added.push(c.ServerURL);
      await ports.store.store(c);
      const back = await ports.store.get(c.ServerURL);
      if (back?.Secret !== c.Secret || back.Username !== c.Username) throw new Error(`the helper did not give back what was stored for ${c.ServerURL}`);
    }
  } catch (error) {
    for (const url of added) await ports.store.erase(url).catch(() => false);
    throw new RegsetupError('ERR_MIGRATE_FAILED', `moving the credentials into the helper failed: ${error instanceof Error ? error.message : String(error)}`, {
      hint: `${path} was not changed and what this run stored was erased again. See regsetup creds doctor.`,
      exitCode: ExitCode.rolledBack,
      cause: error,
    });
  }
  const registries = moves.map((m) => m.registry);
  const edit = editDockerConfig(before, { setHelpers: Object.fromEntries(registries.map((r) => [r, REGSETUP_HELPER])), removeAuths: moves.map((m) => m.authKey) }, path);
  if (edit.changed) await ports.files.writeAtomic(path, edit.text);
  return { ...result, moved: registries, configChanged: edit.changed };
}
