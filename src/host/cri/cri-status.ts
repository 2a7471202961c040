import * as z from 'zod';

// What containerd's CRI puts in StatusResponse.info (Status{verbose: true}, what `crictl info`
// prints), from containerd's source (internal/cri/server/status.go; pkg/cri/server in 1.x):
//   "config"      JSON of the CRI plugin's config. In 1.6 and 1.7 (pkg/cri/config Config, which
//                 embeds PluginConfig) it holds "registry": {"configPath", "mirrors", "configs",
//                 "auths", "headers"} and "containerdRootDir", "containerdEndpoint", "rootDir",
//                 "stateDir". In 2.0–2.3 the registry moved to the image plugin
//                 (io.containerd.cri.v1.images) and "config" has no "registry" at all (#10780).
//   "imageconfig" JSON of that image config, with "registry" (auths/configs/headers nulled),
//                 only where containerd's PR #13709 is in; read when present.
//   "golang", "cniconfig" JSON; "lastCNILoadStatus", "lastCNILoadStatus.<name>" plain strings
//                 ("OK" or an error), so a value that is not JSON is kept as the string.

const conditionSchema = z.object({ type: z.string(), status: z.boolean(), reason: z.string(), message: z.string() });
export const statusResponseSchema = z.object({
  status: z.object({ conditions: z.array(conditionSchema) }).nullable(),
  info: z.record(z.string(), z.string()),
});
export type CriCondition = z.infer<typeof conditionSchema>;

const registrySchema = z
  .object({
    configPath: z.string().optional(),
    mirrors: z.record(z.string(), z.unknown()).nullish(),
    configs: z.record(z.string(), z.unknown()).nullish(),
    auths: z.record(z.string(), z.unknown()).nullish(),
    headers: z.record(z.string(), z.unknown()).nullish(),
  })
  .loose();
const withRegistrySchema = z.object({ registry: registrySchema.optional() }).loose();
const dirsSchema = z
  .object({ containerdRootDir: z.string().optional(), containerdEndpoint: z.string().optional(), rootDir: z.string().optional(), stateDir: z.string().optional() })
  .loose();

export interface CriRegistryConfig {
  /** The info key it was read from. */
  source: 'config' | 'imageconfig';
  /** As containerd holds it: '' when unset (1.x with only `mirrors`), or a colon-separated list. */
  configPath: string;
  /** configPath split into directories, first hit wins (containerd's filepath.SplitList). */
  configPaths: string[];
  /** Hosts under the deprecated registry.mirrors; containerd refuses them together with config_path. */
  mirrors: string[];
}

export interface CriStatus {
  conditions: CriCondition[];
  /** Each info value parsed when it is JSON, kept as a string when not; registry secrets masked. */
  info: Record<string, unknown>;
  /** undefined when containerd does not report its registry config over CRI (2.0–2.3). */
  registry: CriRegistryConfig | undefined;
  dirs: z.infer<typeof dirsSchema>;
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const SECRET_FIELDS = new Set(['password', 'auth', 'identitytoken', 'identity_token', 'registrytoken']);

/** 1.x reports the deprecated plaintext registry.auths / configs.<h>.auth / headers: mask their values. */
function maskSecrets(value: unknown, inSecretTable = false): unknown {
  if (Array.isArray(value)) return value.map((v) => (inSecretTable && typeof v === 'string' ? '***' : maskSecrets(v, inSecretTable)));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      if (typeof v === 'string' && v !== '' && SECRET_FIELDS.has(k.toLowerCase())) return [k, '***'];
      if (k === 'headers' && v && typeof v === 'object') return [k, maskSecrets(v, true)];
      return [k, maskSecrets(v, inSecretTable)];
    }),
  );
}

function registryFrom(source: CriRegistryConfig['source'], value: unknown): CriRegistryConfig | undefined {
  const parsed = withRegistrySchema.safeParse(value);
  const registry = parsed.success ? parsed.data.registry : undefined;
  if (registry === undefined) return undefined;
  const configPath = registry.configPath ?? '';
  return { source, configPath, configPaths: configPath.split(':').filter((p) => p !== ''), mirrors: Object.keys(registry.mirrors ?? {}).sort() };
}

export function parseStatus(response: unknown): CriStatus {
  const { status, info } = statusResponseSchema.parse(response);
  const parsed = Object.fromEntries(Object.entries(info).map(([k, v]) => [k, maskSecrets(parseValue(v))]));
  const dirs = dirsSchema.safeParse(parsed.config);
  const known = dirs.success ? dirs.data : {};
  return {
    conditions: status?.conditions ?? [],
    info: parsed,
    registry: registryFrom('imageconfig', parsed.imageconfig) ?? registryFrom('config', parsed.config),
    dirs: Object.fromEntries((['containerdRootDir', 'containerdEndpoint', 'rootDir', 'stateDir'] as const).flatMap((k) => (known[k] === undefined ? [] : [[k, known[k]]]))),
  };
}
