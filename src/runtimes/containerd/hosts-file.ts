import * as z from 'zod';
import { findTable, formatKey, parseToml } from '../../core/toml-text.js';

// hosts.toml as containerd decodes it (remotes/docker/config/hosts.go, hostFileConfig, with
// go-toml): a value of the wrong type, or a capability other than pull/resolve/push, fails the
// whole file, which containerd only logs ("failed to decode hosts.toml") before it falls back to
// the directory's *.crt files (docs/host-behaviour.md, containerd). Unknown keys are ignored.

const capability = z.string().refine((c) => ['pull', 'resolve', 'push'].includes(c.toLowerCase()), { error: (i) => `unknown capability ${JSON.stringify(i.input)} (pull, resolve, push)` });
const strings = z.array(z.string({ error: 'expected a path' }));

const hostFields = z.looseObject({
  capabilities: z.array(capability, { error: 'expected a list, e.g. ["pull", "resolve"]' }).optional(),
  ca: z.union([z.string(), strings], { error: 'expected a path or a list of paths' }).optional(),
  client: z.union([z.string(), z.array(z.union([z.string(), z.tuple([z.string(), z.string()])]))], { error: 'expected a path, a list of paths, or a list of [cert, key] pairs' }).optional(),
  skip_verify: z.boolean({ error: 'expected true or false' }).optional(),
  header: z.record(z.string(), z.union([z.string(), strings]), { error: 'expected a table of header values' }).optional(),
  override_path: z.boolean({ error: 'expected true or false' }).optional(),
});

const hostsFileSchema = hostFields.extend({
  server: z.string({ error: 'expected a URL' }).optional(),
  host: z.record(z.string(), hostFields, { error: 'expected [host."https://…"] tables' }).optional(),
});

export type HostFields = z.infer<typeof hostFields>;

export interface HostsFile {
  server?: string;
  /** The [host."…"] tables, in the file's order (containerd tries them in that order). */
  hosts: Array<{ url: string; fields: HostFields }>;
  /** The top-level settings, which belong to `server`. */
  top: HostFields;
}

export type HostsFileRead = { ok: true; file: HostsFile } | { ok: false; kind: 'toml' | 'type'; problem: string };

/** A hosts.toml read as containerd reads it; a file it would not use says why, with its line. */
export function readHostsFile(text: string, path: string): HostsFileRead {
  let value: Record<string, unknown>;
  try {
    value = parseToml(text, path);
  } catch (error) {
    return { ok: false, kind: 'toml', problem: (error as Error).message };
  }
  const parsed = hostsFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const keys = issue.path.map(String);
    const table = keys[0] === 'host' && keys[1] !== undefined ? findTable(text, ['host', keys[1]]) : undefined;
    const where = table ? ` line ${table.header + 1}` : '';
    return { ok: false, kind: 'type', problem: `${path}${where}: ${keys.length > 0 ? `${formatKey(keys.filter((k) => !/^\d+$/.test(k)))}: ` : ''}${issue.message}` };
  }
  const { server, host = {}, ...top } = parsed.data;
  const order = Object.keys(host).sort((a, b) => (findTable(text, ['host', a])?.header ?? 0) - (findTable(text, ['host', b])?.header ?? 0));
  return { ok: true, file: { ...(server === undefined ? {} : { server }), hosts: order.map((url) => ({ url, fields: host[url]! })), top } };
}

const absolute = (p: string, dir: string) => (p.startsWith('/') ? p : `${dir.replace(/\/+$/, '')}/${p}`);

/** The CA files a table names, made absolute against the host directory as containerd does. */
export function caFiles(fields: HostFields, dir: string): string[] {
  const ca = fields.ca === undefined ? [] : typeof fields.ca === 'string' ? [fields.ca] : fields.ca;
  return ca.map((p) => absolute(p, dir));
}

/** The client certificate and key files a table names (a single file holds both). */
export function clientFiles(fields: HostFields, dir: string): string[] {
  const client = fields.client === undefined ? [] : typeof fields.client === 'string' ? [fields.client] : fields.client;
  return client.flatMap((c) => (typeof c === 'string' ? [c] : c.filter((p) => p !== ''))).map((p) => absolute(p, dir));
}

/** Does this table take pulls? Without capabilities, containerd gives it all three. */
export const pulls = (fields: HostFields): boolean => fields.capabilities === undefined || fields.capabilities.length === 0 || fields.capabilities.some((c) => c.toLowerCase() === 'pull');
