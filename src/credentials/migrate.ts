import { authKeyHost, parseDockerConfig, type DockerConfig } from '../core/docker-config.js';
import { credentialKey, editDockerConfig, keysFor, REGSETUP_HELPER } from '../core/docker-config-edit.js';
import { ExitCode, isRegsetupError, refused, RegsetupError } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';
import type { Files } from '../host/files.js';
import type { CredentialBackend, HelperCredential } from './backend.js';
import { changedSince, readConfigFile, withConfigLock } from './docker-config-file.js';

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

// Under the lock no other regsetup writes config.json; something else (the docker CLI) may. A
// change found before the rewrite is planned again, a few times, then refused.
const STALE_RETRIES = 3;

/**
 * Check everything first (owner, symlinks, every byte of config.json, the rewrite worked out),
 * then store every inline credential through the helper and read each back, and only when all
 * of them came back intact rewrite config.json once: credHelpers set, plaintext gone. If any
 * step after the first store fails, the store is put back as it was and config.json is untouched.
 * The storing and the rewrite run under the config's lock, planned again from config.json as it
 * is then (a login that ran meanwhile is built upon, not undone).
 */
export async function migrateCredentials(ports: MigratePorts, options: MigrateOptions): Promise<MigrateResult> {
  const uid = ports.uid ?? process.getuid?.() ?? 0;
  const first = await planFrom(ports, options.dockerConfigDir, uid);
  const result: MigrateResult = { dockerConfig: first.file.path, items: first.items, moved: [], configChanged: false };
  if (first.moves.length === 0 || options.dryRun) return result;
  // What the store holds now, read before anything is stored (a store we cannot read refuses here).
  for (const move of first.moves) await ports.store.get(move.credential!.ServerURL);
  if (options.confirm && !(await options.confirm(first.items))) return { ...result, cancelled: true };

  return withConfigLock(ports.files, options.dockerConfigDir, async () => {
    // What the store held before this run stored anything: what a failure puts back.
    const previous = new Map<string, Omit<HelperCredential, 'ServerURL'> | undefined>();
    const stored = new Set<string>();
    try {
      for (let attempt = 0; ; attempt++) {
        const { file, items, moves, edit } = attempt === 0 && !(await changedSince(ports.files, first.file)) ? first : await planFrom(ports, options.dockerConfigDir, uid);
        if (moves.length === 0) return { ...result, items, moved: [] }; // another run moved them meanwhile
        for (const move of moves) {
          const c = move.credential!;
          if (!previous.has(c.ServerURL)) previous.set(c.ServerURL, await ports.store.get(c.ServerURL));
          stored.add(c.ServerURL);
          await ports.store.store(c);
          const back = await ports.store.get(c.ServerURL);
          if (back?.Secret !== c.Secret || back.Username !== c.Username) throw new Error(`the helper did not give back what was stored for ${c.ServerURL}`);
        }
        if (await changedSince(ports.files, file)) {
          if (attempt < STALE_RETRIES) continue;
          throw refused('ERR_PLAN_STALE', `${file.path} kept changing while regsetup moved its credentials`, 'Something other than regsetup keeps writing it: find what, then run regsetup creds migrate again.');
        }
        if (edit.changed) await ports.files.writeAtomic(file.path, edit.bytes);
        return { ...result, items, moved: moves.map((m) => m.registry), configChanged: edit.changed };
      }
    } catch (error) {
      const undo = await putBack(ports.store, stored, previous);
      if (undo === '' && isRegsetupError(error) && error.code === 'ERR_PLAN_STALE') {
        // A real conflict (the file kept changing under the lock): what was stored went back, nothing changed.
        throw refused(error.code, `${error.message}; what this run stored was put back, nothing changed`, error.hint ?? '');
      }
      const what = error instanceof Error ? error.message : String(error);
      throw new RegsetupError('ERR_MIGRATE_FAILED', `moving the credentials into the helper failed: ${what}${undo}`, {
        hint: `${first.file.path} was not changed${undo === '' ? ' and what this run stored was erased again (or put back as it was)' : ''}. See regsetup creds doctor.`,
        exitCode: undo === '' ? ExitCode.rolledBack : ExitCode.unexpected,
        cause: error,
      });
    }
  });
}

/** config.json read and checked, what moves, and the rewrite (checked to leave no plaintext of them). */
async function planFrom(ports: MigratePorts, dir: string, uid: number) {
  const file = await readConfigFile(ports.files, dir, uid);
  const planned = planMigration(file.config);
  const moves = planned.filter((p) => p.action === 'move');
  const registries = moves.map((m) => m.registry);
  const change = { setHelpers: Object.fromEntries(registries.map((r) => [r, REGSETUP_HELPER])), removeAuths: moves.map((m) => m.authKey) };
  const edit = editDockerConfig(file.bytes, change, file.path);
  assertNoPlaintextLeft(edit.bytes, file.path, registries);
  return { file, items: planned.map(publicItem), moves, edit };
}

/** Erase what this run stored, or put back what it replaced; "" when all went back, else what did not. */
async function putBack(store: CredentialBackend, stored: Iterable<string>, previous: Map<string, Omit<HelperCredential, 'ServerURL'> | undefined>): Promise<string> {
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
