import * as z from 'zod';
import { badInput, isRegsetupError } from './errors.js';
import { normalizeFingerprint } from './fingerprint.js';
import { parseMirrorFor, UPSTREAM_DOCKER_HUB } from './mirrors.js';
import { normalizeMirrorUrl, parseHttpUrl, parseRegistry } from './registry-name.js';

// One schema for a registry entry: `join` flags, the desired-state file, a published profile
// and the agent all describe this object, so they validate (and default) the same way. The
// registry name is parsed once, here; everything downstream gets host[:port] in Docker's form.

/** Run one of our own parsers inside zod, keeping its message and its ERR_ code. */
const via = <T>(parse: (input: string) => T) =>
  z.string({ error: 'expected text' }).transform((input, ctx) => {
    try {
      return parse(input);
    } catch (error) {
      const params = isRegsetupError(error) ? { code: error.code, hint: error.hint } : {};
      ctx.addIssue({ code: 'custom', message: (error as Error).message, params });
      return z.NEVER;
    }
  });

const hostPort = via((input) => parseRegistry(input).hostPort);
// 'auto' (probe the registry) and 'none' are keywords; anything else must be a mirror URL.
const mirror = via((input) => (input === 'auto' || input === 'none' ? input : normalizeMirrorUrl(input)));
const mirrorFor = via(parseMirrorFor);

export const RESTART_POLICIES = ['auto', 'reload', 'restart', 'never'] as const;
export const restartPolicySchema = z.enum(RESTART_POLICIES, { error: `expected one of ${RESTART_POLICIES.join(', ')}` });
export type RestartPolicy = z.infer<typeof restartPolicySchema>;

/** The runtimes regsetup can configure; `auto` = every one of them running on the node. */
export const RUNTIME_KINDS = ['docker', 'containerd', 'podman', 'crio', 'k3s', 'rke2'] as const;
export type RuntimeKind = (typeof RUNTIME_KINDS)[number];
const runtimeChoice = z.enum(['auto', ...RUNTIME_KINDS], { error: `expected auto or one of ${RUNTIME_KINDS.join(', ')}` });

const bool = z.boolean({ error: 'expected true or false' });

const caSchema = z
  .strictObject({
    file: z.string().min(1).optional(),
    url: via(parseHttpUrl).optional(),
    /** Several pins accept any of them (CA rotation); each may be a certificate or a public-key (SPKI) hash. */
    fingerprints: z.array(via(normalizeFingerprint)).default([]),
    trustOnFirstUse: bool.default(false),
  })
  .refine((ca) => ca.file === undefined || ca.url === undefined, {
    message: 'give the CA as a file or as a URL, not both',
    path: ['url'],
  });

/** Credentials by reference only: the password itself never sits in a desired state. */
const credentialsSchema = z.strictObject({
  username: z.string().min(1),
  /** A file holding the password (mode 0600), read at each join. */
  passwordFile: z.string().min(1).optional(),
});

const entryShape = {
    registry: hostPort,
    pushRegistry: hostPort.optional(),
    /** Docker Hub's mirrors (`--mirror`): auto, none or URLs. */
    mirrors: z.array(mirror).min(1).default(['auto']),
    /** Mirrors of other upstreams (`--mirror-for ghcr.io=https://…`): containerd and podman use them, Docker cannot. */
    mirrorFor: z.array(mirrorFor).default([]),
    insecure: bool.default(false),
    ca: caSchema.default({ fingerprints: [], trustOnFirstUse: false }),
    clientCert: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
    maxClockSkewSeconds: z.number({ error: 'expected a number of seconds (0–86400)' }).nonnegative().max(86_400).default(30),
    restart: restartPolicySchema.default('auto'),
    verify: bool.default(true),
    runtimes: z.array(runtimeChoice).min(1).default(['auto']),
    credentials: credentialsSchema.optional(),
    kubeletCredentialProvider: bool.default(false),
    migrateContainerdMirrors: bool.default(false),
    k3sStoreAuthPlaintext: bool.default(false),
};

type EntryRules = { mirrors: string[]; runtimes: string[]; mirrorFor: Array<{ upstream: string }> };

/** The rules across fields, shared by an entry and a profile. */
const withRules = <S extends z.ZodType<EntryRules>>(schema: S) =>
  schema
    .refine((entry) => !(entry.mirrors.includes('none') && entry.mirrors.length > 1), {
      message: '"none" cannot be combined with other mirrors',
      path: ['mirrors'],
    })
    .refine((entry) => !(entry.runtimes.includes('auto') && entry.runtimes.length > 1), {
      message: '"auto" cannot be combined with named runtimes',
      path: ['runtimes'],
    })
    .refine((entry) => !entry.mirrorFor.some((m) => m.upstream === UPSTREAM_DOCKER_HUB), {
      message: 'Docker Hub mirrors are given with --mirror, not --mirror-for docker.io=…',
      path: ['mirrorFor'],
    });

export const registryEntrySchema = withRules(z.strictObject(entryShape));

/**
 * A profile the registry team publishes (`join --profile URL`): a registry entry without
 * credentials, which are each node's own; a `credentials` key is refused as unknown.
 */
const { credentials: _credentials, ...shapeOfProfile } = entryShape; // eslint-disable-line @typescript-eslint/no-unused-vars
/** Its fields, for `profile --json`'s document (cli/documents/config-document.ts). */
export const profileShape = shapeOfProfile;
export const profileSchema = withRules(z.strictObject(profileShape));
export type Profile = z.output<typeof profileSchema>;
export type ProfileInput = z.input<typeof profileSchema>;

export type DesiredState = z.output<typeof registryEntrySchema>;
export type DesiredStateInput = z.input<typeof registryEntrySchema>;

/** What `join` gets from commander (strings where the user typed numbers). */
export interface JoinFlags {
  mirror?: string[];
  mirrorFor?: string[];
  pushRegistry?: string;
  insecure?: boolean;
  caFile?: string;
  caUrl?: string;
  caFingerprint?: string[] | string;
  trustOnFirstUse?: boolean;
  clientCert?: string;
  clientKey?: string;
  maxClockSkew?: string | number;
  restart?: string;
  verify?: boolean;
  runtime?: string[];
  username?: string;
  passwordFile?: string;
  kubeletCredentialProvider?: boolean;
  migrateContainerdMirrors?: boolean;
  k3sStoreAuthPlaintext?: boolean;
}

// Errors name what the user typed: a flag for `join`, a field path for a file.
const flagNames: Record<string, string> = {
  registry: '<registry>',
  pushRegistry: '--push-registry',
  mirrors: '--mirror',
  mirrorFor: '--mirror-for',
  insecure: '--insecure',
  'ca.file': '--ca-file',
  'ca.url': '--ca-url',
  'ca.fingerprints': '--ca-fingerprint',
  'ca.trustOnFirstUse': '--trust-on-first-use',
  clientCert: '--client-cert/--client-key',
  maxClockSkewSeconds: '--max-clock-skew',
  restart: '--restart',
  verify: '--no-verify',
  runtimes: '--runtime',
  credentials: '--username',
};

const list = (value: string[] | string | undefined): string[] | undefined =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]);

/** The registry entry that join's flags describe, before validation (undefined = not given). */
export function flagsInput(registryArg: string, flags: JoinFlags): DesiredStateInput & Record<string, unknown> {
  const skew = flags.maxClockSkew;
  if ((flags.clientCert === undefined) !== (flags.clientKey === undefined)) {
    throw badInput('ERR_BAD_INPUT', '--client-cert and --client-key go together', 'Give both files of the client certificate, or neither.');
  }
  const input = {
    registry: registryArg,
    pushRegistry: flags.pushRegistry,
    mirrors: flags.mirror === undefined || flags.mirror.length === 0 ? undefined : flags.mirror,
    mirrorFor: flags.mirrorFor,
    insecure: flags.insecure,
    ca: { file: flags.caFile, url: flags.caUrl, fingerprints: list(flags.caFingerprint), trustOnFirstUse: flags.trustOnFirstUse },
    clientCert: flags.clientCert === undefined ? undefined : { cert: flags.clientCert, key: flags.clientKey },
    // A number typed on the command line arrives as text; anything else stays text so zod names it.
    maxClockSkewSeconds: typeof skew === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(skew) ? Number(skew) : skew,
    restart: flags.restart,
    verify: flags.verify,
    runtimes: flags.runtime === undefined || flags.runtime.length === 0 ? undefined : flags.runtime,
    credentials: flags.username === undefined ? undefined : { username: flags.username, ...(flags.passwordFile ? { passwordFile: flags.passwordFile } : {}) },
    kubeletCredentialProvider: flags.kubeletCredentialProvider,
    migrateContainerdMirrors: flags.migrateContainerdMirrors,
    k3sStoreAuthPlaintext: flags.k3sStoreAuthPlaintext,
  };
  return input as DesiredStateInput & Record<string, unknown>;
}

export const flagName = (path: string): string => flagNames[path.replace(/\.\d+$/, '')] ?? path;

export function desiredFromFlags(registryArg: string, flags: JoinFlags): DesiredState {
  return parseWith(flagsInput(registryArg, flags), flagName);
}

/** A registry entry from the desired-state file or a profile; `where` prefixes field paths. */
export function parseDesiredState(value: unknown, where = ''): DesiredState {
  return parseWith(value, (path) => (where === '' ? path : path === '' ? where : `${where}.${path}`));
}

function parseWith(value: unknown, name: (path: string) => string): DesiredState {
  const result = registryEntrySchema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const lines = issues.map((issue) => `${name(issue.path.map(String).join('.')) || 'registry entry'}: ${issue.message}`);
  throw badInput(param(issues, 'code') ?? 'ERR_BAD_INPUT', lines.join('\n'), param(issues, 'hint'));
}

// The first of our own parsers' codes and hints that failed, so `join nexus/x` still says
// ERR_BAD_REGISTRY with its hint rather than a generic schema error.
const param = (issues: z.core.$ZodIssue[], key: 'code' | 'hint'): string | undefined =>
  issues.map((i) => (i as { params?: Record<string, string | undefined> }).params?.[key]).find((v) => v !== undefined);
