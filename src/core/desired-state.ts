import * as z from 'zod';
import { badInput, isRegsetupError } from './errors.js';
import { normalizeFingerprint } from './fingerprint.js';
import { normalizeMirrorUrl, parseRegistry } from './registry-name.js';

// One schema for a registry entry: `join` flags, profile files and the agent's config
// all describe this object, so they validate (and default) the same way.

/** Run one of our own parsers inside zod, keeping its message and its ERR_ code. */
const via = (parse: (input: string) => string) =>
  z.string().transform((input, ctx) => {
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

export const restartPolicySchema = z.enum(['auto', 'reload', 'restart', 'never']);
export type RestartPolicy = z.infer<typeof restartPolicySchema>;

const caSchema = z
  .strictObject({
    file: z.string().min(1).optional(),
    url: z.string().min(1).optional(),
    fingerprint: via(normalizeFingerprint).optional(),
    trustOnFirstUse: z.boolean().default(false),
  })
  .refine((ca) => ca.file === undefined || ca.url === undefined, {
    message: 'give the CA as a file or as a URL, not both',
    path: ['url'],
  });

export const registryEntrySchema = z
  .strictObject({
    registry: hostPort,
    pushRegistry: hostPort.optional(),
    mirrors: z.array(mirror).min(1).default(['auto']),
    insecure: z.boolean().default(false),
    ca: caSchema.default({ trustOnFirstUse: false }),
    maxClockSkewSeconds: z.number().nonnegative().max(86_400).default(30),
    restart: restartPolicySchema.default('auto'),
    verify: z.boolean().default(true),
    // Only docker for now; containerd, podman and k3s come later under the same key.
    runtimes: z.array(z.literal('docker')).min(1).default(['docker']),
  })
  .refine((entry) => !(entry.mirrors.includes('none') && entry.mirrors.length > 1), {
    message: '"none" cannot be combined with other mirrors',
    path: ['mirrors'],
  });

export type DesiredState = z.output<typeof registryEntrySchema>;
export type DesiredStateInput = z.input<typeof registryEntrySchema>;

/** What `join` gets from commander (strings where the user typed numbers). */
export interface JoinFlags {
  mirror?: string[];
  pushRegistry?: string;
  insecure?: boolean;
  caFile?: string;
  caUrl?: string;
  caFingerprint?: string;
  trustOnFirstUse?: boolean;
  maxClockSkew?: string | number;
  restart?: string;
  verify?: boolean;
}

// Errors name what the user typed: a flag for `join`, a field path for a profile.
const flagNames: Record<string, string> = {
  registry: '<registry>',
  pushRegistry: '--push-registry',
  mirrors: '--mirror',
  insecure: '--insecure',
  'ca.file': '--ca-file',
  'ca.url': '--ca-url',
  'ca.fingerprint': '--ca-fingerprint',
  'ca.trustOnFirstUse': '--trust-on-first-use',
  maxClockSkewSeconds: '--max-clock-skew',
  restart: '--restart',
  verify: '--no-verify',
};

export function desiredFromFlags(registryArg: string, flags: JoinFlags): DesiredState {
  const skew = flags.maxClockSkew;
  const input = {
    registry: registryArg,
    pushRegistry: flags.pushRegistry,
    mirrors: flags.mirror === undefined || flags.mirror.length === 0 ? undefined : flags.mirror,
    insecure: flags.insecure,
    ca: { file: flags.caFile, url: flags.caUrl, fingerprint: flags.caFingerprint, trustOnFirstUse: flags.trustOnFirstUse },
    // A number typed on the command line arrives as text; anything else stays text so zod names it.
    maxClockSkewSeconds: typeof skew === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(skew) ? Number(skew) : skew,
    restart: flags.restart,
    verify: flags.verify,
  };
  return parseWith(input, (path) => flagNames[path.replace(/\.\d+$/, '')] ?? path);
}

/** A registry entry from a profile or the agent's config; `where` prefixes field paths. */
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
