import { authKeyHost, parseDockerConfig, type DockerConfig } from '../core/docker-config.js';
import { credentialKey, editDockerConfig, keysFor, REGSETUP_HELPER } from '../core/docker-config-edit.js';
import { ExitCode, refused, RegsetupError } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';
import type { Files } from '../host/files.js';
import type { CredentialBackend, HelperCredential } from './backend.js';
import { changedSince, readConfigFile } from './docker-config-file.js';

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
  /** The user running regsetup (this process's by default): another user's Docker config is refused, as login refuses it. */
  uid?: number;
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
 * Check everything first (owner, symlinks, every byte of config.json, the rewrite worked out),
 * then store every inline credential through the helper and read each back, and only when all
 * of them came back intact rewrite config.json once: credHelpers set, plaintext gone. If any
 * step after the first store fails, the store is put back as it was and config.json is untouched.
 */
export async function migrateCredentials(ports: MigratePorts, options: MigrateOptions): Promise<MigrateResult> {
  const file = await readConfigFile(ports.files, options.dockerConfigDir, ports.uid ?? process.getuid?.() ?? 0);
  const planned = planMigration(file.config);
  const items = planned.map(publicItem);
  const moves = planned.filter((p) => p.action === 'move');
  const result: MigrateResult = { dockerConfig: file.path, items, moved: [], configChanged: false };
  if (moves.length === 0 || options.dryRun) return result;
  const registries = moves.map((m) => m.registry);
  const change = { setHelpers: Object.fromEntries(registries.map((r) => [r, REGSETUP_HELPER])), removeAuths: moves.map((m) => m.authKey) };
  const edit = editDockerConfig(file.bytes, change, file.path);
  assertNoPlaintextLeft(edit.bytes, file.path, registries);
  // What the store holds now, read before anything is stored (a store we cannot read refuses here).
  const previous = new Map<string, Omit<HelperCredential, 'ServerURL'> | undefined>();
  for (const move of moves) previous.set(move.credential!.ServerURL, await ports.store.get(move.credential!.ServerURL));
  if (options.confirm && !(await options.confirm(items))) return { ...result, cancelled: true };

  const stored: string[] = [];
  try {
    for (const move of moves) {
      const c = move.credential!;
      stored.push(c.ServerURL);
      await ports.store.store(c);
      const back = await ports.store.get(c.ServerURL);
      if (back?.Secret !== c.Secret || back.Username !== c.Username) throw new Error(`the helper did not give back what was stored for ${c.ServerURL}`);
    }
    if (await changedSince(ports.files, file)) {
      throw refused('ERR_PLAN_STALE', `${file.path} changed while regsetup moved its credentials`, 'Run regsetup creds migrate again.');
    }
    if (edit.changed) await ports.files.writeAtomic(file.path, edit.bytes);
  } catch (error) {
    const undo = await putBack(ports.store, stored, previous);
    const what = error instanceof Error ? error.message : String(error);
    throw new RegsetupError('ERR_MIGRATE_FAILED', `moving the credentials into the helper failed: ${what}${undo}`, {
      hint: `${file.path} was not changed${undo === '' ? ' and what this run stored was erased again (or put back as it was)' : ''}. See regsetup creds doctor.`,
      exitCode: undo === '' ? ExitCode.rolledBack : ExitCode.unexpected,
      cause: error,
    });
  }
  return { ...result, moved: registries, configChanged: edit.changed };
}

/** Erase what this run stored, or put back what it replaced; "" when all went back, else what did not. */
async function putBack(store: CredentialBackend, stored: readonly string[], previous: Map<string, Omit<HelperCredential, 'ServerURL'> | undefined>): Promise<string> {
  const failed: string[] = [];
  for (const url of stored) {
    const before = previous.get(url);
    try {
      if (before === undefined) await store.erase(url);
      else await store.store({ ServerURL: url, ...before });
    } catch {
      failed.push(url);
    }
  }
  return failed.length === 0 ? '' : `; putting back ${failed.join(', ')} failed too: erase them with the helper by hand`;
}

/** The rewrite must leave no plaintext for what it moved: say so only when it is true. */
function assertNoPlaintextLeft(bytes: Buffer, path: string, registries: readonly string[]): void {
  const left = planMigration(parseDockerConfig(bytes, path)).filter((p) => p.action === 'move' && registries.includes(p.registry));
  if (left.length > 0) throw new Error(`bug: the rewrite of ${path} would keep the plaintext of ${left.map((l) => l.authKey).join(', ')}`);
}
