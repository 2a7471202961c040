import * as z from 'zod';
import type { CredentialsInspection } from '../../credentials/inspect.js';
import type { LoginResult } from '../../credentials/login.js';
import type { MigrateResult } from '../../credentials/migrate.js';
import { describing, documentOf } from './envelope.js';

const loginShape = {
  registry: z.string(),
  username: z.string(),
  dockerConfig: z.string().describe('The config.json that names docker-credential-regsetup for the registry.'),
  backend: z.string().describe("The helper's backend: file, pass, …"),
  removedPlaintext: z.array(z.string()).describe('auths keys whose plaintext was removed from config.json.'),
  configChanged: z.boolean(),
  stored: z.boolean().describe('The helper was written; false when it already held this user and password.'),
  helper: z.object({ path: z.string(), installed: z.boolean().describe('This run wrote (or rewrote) the wrapper on PATH.') }),
};
describing<LoginResult>()(z.object(loginShape));

export const loginDocument = documentOf('login', { ok: z.literal(true), ...loginShape }).meta({
  title: 'regsetup login --json',
  description: 'Where the credentials went: the regsetup helper, and the config.json that names it.',
});

const migrateShape = {
  dockerConfig: z.string(),
  items: z.array(
    z.object({
      authKey: z.string().describe('The auths key as config.json has it.'),
      registry: z.string().describe("The helper's key (host[:port], or Docker Hub's index URL)."),
      username: z.string(),
      action: z.enum(['move', 'skip']),
      reason: z.string().optional().describe('Why an entry stays.'),
    }),
  ),
  moved: z.array(z.string()),
  configChanged: z.boolean(),
  cancelled: z.boolean().optional(),
};
describing<MigrateResult>()(z.object(migrateShape));

export const credsMigrateDocument = documentOf('creds migrate', { ok: z.literal(true), dryRun: z.boolean(), ...migrateShape }).meta({
  title: 'regsetup creds migrate --json',
  description: 'Which plaintext credentials moved into docker-credential-regsetup (or would, with --dry-run).',
});

const inspectionShape = {
  configPath: z.string(),
  configError: z.string().optional(),
  plaintext: z.array(z.object({ key: z.string(), host: z.string(), username: z.string() })),
  helpers: z.array(
    z.object({
      name: z.string().describe('The suffix: pass for docker-credential-pass.'),
      serves: z.array(z.string()).describe('"credsStore" and/or the credHelpers keys it serves.'),
      path: z.string().optional(),
      working: z.boolean().optional().describe('Its store/get/erase round trip passed; absent: not tried.'),
      error: z.string().optional(),
    }),
  ),
  pass: z.object({ installed: z.boolean(), initialised: z.boolean(), helperInstalled: z.boolean(), usedByDocker: z.boolean(), storeDir: z.string() }),
  registries: z.array(
    z.object({
      registry: z.string(),
      servedBy: z.union([
        z.object({ kind: z.literal('helper'), helper: z.string(), via: z.enum(['credHelpers', 'credsStore']) }),
        z.object({ kind: z.literal('plaintext') }),
      ]),
      ok: z.boolean().describe('Served by a working helper.'),
    }),
  ),
  regsetupStore: z.object({ storeDir: z.string(), keyDir: z.string(), backend: z.string().optional(), error: z.string().optional() }),
};
describing<CredentialsInspection>()(z.object(inspectionShape));

export const credsDoctorDocument = documentOf('creds doctor', { ok: z.boolean(), ...inspectionShape }).meta({
  title: 'regsetup creds doctor --json',
  description: 'Which helper serves each registry, whether the helpers work, and plaintext left. It changes nothing.',
});
