import * as z from 'zod';
import { refused } from './errors.js';
import { bomOf, foldKey, keyOf, meaningOf, toView } from './json-bytes.js';
import { JsonSyntaxError, lineColumn, MAX_JSON_DEPTH, scanJson, type JsonChild, type JsonNode } from './json-scan.js';

/** ~/.docker/config.json: only the keys regsetup reads are checked; the rest passes through untouched. */
export const dockerConfigSchema = z
  .object({
    auths: z.record(z.string(), z.object({ auth: z.string().optional(), identitytoken: z.string().optional() }).loose()).optional(),
    credsStore: z.string().optional(),
    credHelpers: z.record(z.string(), z.string()).optional(),
  })
  .loose();
export type DockerConfig = z.infer<typeof dockerConfigSchema>;

const fixHint = 'Fix or move the file; regsetup will not rewrite a file it cannot read. Nothing was changed.';
const malformed = (message: string, hint = fixHint) => refused('ERR_DOCKER_CONFIG_MALFORMED', message, hint);

/** The keys regsetup reads and edits, as docker/cli's ConfigFile names them. */
const MANAGED = ['auths', 'credHelpers', 'credsStore'];
/** Objects whose keys regsetup reads one by one: a duplicate there would hide one of them. */
const KEYED = ['auths', 'credHelpers'];

export interface ReadDockerConfig {
  view: string;
  root?: JsonNode;
  members: Map<string, JsonChild>;
  config: DockerConfig;
}

/**
 * Read config.json as the docker CLI does (Go's encoding/json into its ConfigFile struct), and
 * refuse what it would read differently from us: a BOM (docker cannot read the file at all), a
 * key of ours twice or in another case (Go matches struct fields case-insensitively, so both
 * count), a registry twice inside auths or credHelpers. Nesting is bounded (MAX_JSON_DEPTH).
 */
export function readDockerConfig(input: string | Uint8Array | undefined, path: string): ReadDockerConfig {
  const view = input === undefined ? '' : toView(input);
  if (bomOf(view) !== undefined) {
    throw malformed(
      `${path} starts with a byte order mark: the docker CLI cannot read it ("invalid character 'ï' looking for beginning of value") and ignores the whole file`,
      `Remove the first bytes (sed -i '1s/^\\xEF\\xBB\\xBF//' ${path} for UTF-8), then run again. Nothing was changed.`,
    );
  }
  let root: JsonNode | undefined;
  try {
    root = scanJson(view, { maxDepth: MAX_JSON_DEPTH, keep: 2 });
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    const { line, column } = lineColumn(view, error.offset);
    throw malformed(`${path} is not valid JSON: ${error.reason} at line ${line} column ${column}`);
  }
  const members = new Map<string, JsonChild>();
  if (root === undefined) return { view, members, config: {} };
  if (root.kind !== 'object') throw malformed(`${path} must hold a JSON object at the top level`);
  const line = (child: JsonChild) => lineColumn(view, child.keyStart!).line;
  const folded = new Map<string, JsonChild>();
  for (const child of root.children ?? []) {
    const key = keyOf(view, child);
    const managed = MANAGED.find((m) => foldKey(m) === foldKey(key));
    if (managed === undefined) continue;
    const first = folded.get(managed);
    if (first !== undefined) {
      throw malformed(`${path} has "${managed}" twice, at lines ${line(first)} and ${line(child)}: the docker CLI reads both, regsetup would see only one`, `Merge them into one "${managed}", then run again. Nothing was changed.`);
    }
    if (key !== managed) throw malformed(`${path} has "${key}" at line ${line(child)}: the docker CLI reads it as "${managed}"`, `Rename it to "${managed}", then run again. Nothing was changed.`);
    folded.set(managed, child);
    members.set(key, child);
    if (KEYED.includes(key) && child.node.kind === 'object') {
      const seen = new Map<string, JsonChild>();
      for (const entry of child.node.children ?? []) {
        const name = keyOf(view, entry);
        const before = seen.get(name);
        if (before !== undefined) {
          throw malformed(`${path} has "${name}" twice in "${key}", at lines ${line(before)} and ${line(entry)}: the docker CLI uses only the last one`, `Keep one of them, then run again. Nothing was changed.`);
        }
        seen.set(name, entry);
      }
    }
  }
  const parsed = dockerConfigSchema.safeParse(meaningOf(view));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}${lineOfPath(view, root, i.path.map(String))}`).join('; ');
    throw malformed(`${path}: ${problems}`);
  }
  return { view, root, members, config: parsed.data };
}

/** " at line N" of the deepest recorded node on a key path (the scanner keeps two levels). */
function lineOfPath(view: string, root: JsonNode, path: string[]): string {
  let node: JsonNode | undefined = root;
  let offset: number | undefined;
  for (const key of path) {
    const child: JsonChild | undefined = node?.children?.find((c) => c.keyStart !== undefined && keyOf(view, c) === key);
    if (child === undefined) break;
    offset = child.keyStart;
    node = child.node;
  }
  return offset === undefined ? '' : ` at line ${lineColumn(view, offset).line}`;
}

export function parseDockerConfig(input: string | Uint8Array | undefined, path: string): DockerConfig {
  return readDockerConfig(input, path).config;
}

/** Docker keys Docker Hub as its v1 index URL; everything else by host[:port]. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

/** The host[:port] an `auths` key stands for (`https://r.example/v1/` → `r.example`), as docker/cli's ConvertToHostname. */
export function authKeyHost(key: string): string {
  const stripped = key.replace(/^https?:\/\//, '');
  return stripped.split('/')[0]!.toLowerCase();
}

export type CredentialSource =
  | { kind: 'helper'; helper: string; via: 'credHelpers' | 'credsStore' }
  | { kind: 'plaintext'; key: string; username: string; password: string }
  | { kind: 'none' };

/** Which store docker/cli would ask for host[:port]: credHelpers wins over credsStore, which wins over auths. */
export function credentialSourceFor(config: DockerConfig, hostPort: string): CredentialSource {
  const host = hostPort.toLowerCase();
  const helper = Object.entries(config.credHelpers ?? {}).find(([key]) => authKeyHost(key) === host)?.[1];
  if (helper) return { kind: 'helper', helper, via: 'credHelpers' };
  if (config.credsStore) return { kind: 'helper', helper: config.credsStore, via: 'credsStore' };
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (authKeyHost(key) !== host || !entry.auth) continue;
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { kind: 'plaintext', key, username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return { kind: 'none' };
}
