import type * as z from 'zod';
import type { Output } from '../output.js';
import { agentDocument, agentInstallDocument, agentStatusDocument, agentUninstallDocument } from './agent-document.js';
import { configValidateDocument, profileDocument } from './config-document.js';
import { credsDoctorDocument, credsMigrateDocument, loginDocument } from './creds-document.js';
import { doctorDocument } from './doctor-document.js';
import { SCHEMA_VERSION } from './schema-version.js';
import { joinDocument, leaveDocument, planDocument } from './join-document.js';
import { statusDocument } from './status-document.js';
import { verifyDocument } from './verify-document.js';

/**
 * Every command's `--json` document, by the command's name as typed. Each document goes through
 * its schema before it is printed, and schemas/<name>.schema.json is generated from the same
 * schema (npm run schemas), so what is printed and what is published cannot drift apart.
 */
export const documents = {
  join: joinDocument,
  plan: planDocument,
  verify: verifyDocument,
  doctor: doctorDocument,
  login: loginDocument,
  'creds migrate': credsMigrateDocument,
  'creds doctor': credsDoctorDocument,
  leave: leaveDocument,
  status: statusDocument,
  agent: agentDocument,
  'agent status': agentStatusDocument,
  'agent install': agentInstallDocument,
  'agent uninstall': agentUninstallDocument,
  'config validate': configValidateDocument,
  profile: profileDocument,
} as const;

export type DocumentCommand = keyof typeof documents;

/** Printed as built once its schema accepts it (its schema transforms: the profile is published as written). */
export const printedAsBuilt: ReadonlySet<DocumentCommand> = new Set(['profile']);

type Envelope = 'schemaVersion' | 'command' | 'changed';
type WithoutEnvelope<T> = T extends unknown ? Omit<T, Envelope> : never;
export type DocumentBody<C extends DocumentCommand> = WithoutEnvelope<z.input<(typeof documents)[C]>>;

/**
 * A command's report under --json: the envelope (schemaVersion, command, changed from what the
 * run marked on `out`), checked against the command's schema and printed. Nothing without --json.
 */
export function emit<C extends DocumentCommand>(out: Output, command: C, body: DocumentBody<C>): void {
  if (!out.json) return;
  const built = { schemaVersion: SCHEMA_VERSION, command, ...body, changed: out.changed };
  const checked: unknown = documents[command].parse(built);
  out.document(printedAsBuilt.has(command) ? built : checked);
}
