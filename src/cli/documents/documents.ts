import type * as z from 'zod';
import type { Output } from '../output.js';
import { SCHEMA_VERSION } from './schema-version.js';

/**
 * Every command's `--json` document, by the command's name as typed. Each document goes through
 * its schema before it is printed, and schemas/<name>.schema.json is generated from the same
 * schema (npm run docs), so what is printed and what is published cannot drift apart. Loaded
 * when a document is printed: a run without --json never builds one.
 */
const schemas = {
  join: async () => (await import('./join-document.js')).joinDocument,
  plan: async () => (await import('./join-document.js')).planDocument,
  verify: async () => (await import('./verify-document.js')).verifyDocument,
  doctor: async () => (await import('./doctor-document.js')).doctorDocument,
  login: async () => (await import('./creds-document.js')).loginDocument,
  'creds migrate': async () => (await import('./creds-document.js')).credsMigrateDocument,
  'creds doctor': async () => (await import('./creds-document.js')).credsDoctorDocument,
  leave: async () => (await import('./join-document.js')).leaveDocument,
  status: async () => (await import('./status-document.js')).statusDocument,
  agent: async () => (await import('./agent-document.js')).agentDocument,
  'agent status': async () => (await import('./agent-document.js')).agentStatusDocument,
  'agent install': async () => (await import('./agent-document.js')).agentInstallDocument,
  'agent uninstall': async () => (await import('./agent-document.js')).agentUninstallDocument,
  'config validate': async () => (await import('./config-document.js')).configValidateDocument,
  profile: async () => (await import('./config-document.js')).profileDocument,
} satisfies Record<string, () => Promise<z.ZodType>>;

export type DocumentCommand = keyof typeof schemas;
export const documentCommands = Object.keys(schemas) as DocumentCommand[];
export const documentSchema = <C extends DocumentCommand>(command: C) => schemas[command]() as ReturnType<(typeof schemas)[C]>;

/** Printed as built once its schema accepts it (its schema transforms: the profile is published as written). */
export const printedAsBuilt: ReadonlySet<DocumentCommand> = new Set(['profile']);

type Envelope = 'schemaVersion' | 'command' | 'changed';
type WithoutEnvelope<T> = T extends unknown ? Omit<T, Envelope> : never;
export type DocumentBody<C extends DocumentCommand> = WithoutEnvelope<z.input<Awaited<ReturnType<(typeof schemas)[C]>>>>;

/**
 * A command's report under --json: the envelope (schemaVersion, command, changed from what the
 * run marked on `out`), checked against the command's schema and printed. Nothing without --json.
 */
export async function emit<C extends DocumentCommand>(out: Output, command: C, body: DocumentBody<C>): Promise<void> {
  if (!out.json) return;
  // `changed` is what the run marked, whatever a part of the body says (join's per-registry one).
  const { changed: _ignored, ...rest } = body as Record<string, unknown>; // eslint-disable-line @typescript-eslint/no-unused-vars
  const built = { schemaVersion: SCHEMA_VERSION, command, changed: out.changed, ...rest };
  const checked: unknown = (await documentSchema(command)).parse(built);
  out.document(printedAsBuilt.has(command) ? built : checked);
}
