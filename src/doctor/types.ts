import type { RegistryRef } from '../core/registry-name.js';

export type Severity = 'error' | 'warning' | 'info';

/** What doctor is about to change, computed right before it asks (so the preview is what apply writes). */
export interface PreparedFix {
  /** Exactly what will change: a diff, or for a CA its subject, validity and SHA-256 fingerprint. */
  preview: string[];
  /** Said before the question when the change weakens something (insecure-registries turns off TLS). */
  warning?: string;
  /** Set when only an operator may accept it (an unpinned CA under --yes): why, and how to do it unattended. */
  needsOperator?: string;
  /** Applies it through plan/apply (or reload + confirm); resolves with what changed, one line each. */
  apply(): Promise<string[]>;
}

export interface Fix {
  /** Findings that share a key share the fix: it is offered and applied once. */
  key: string;
  /** One line: what doctor would do. */
  title: string;
  prepare(): Promise<PreparedFix>;
}

/** One thing wrong (or worth knowing) on this host, with its cause and fix. */
export interface Finding {
  id: string;
  severity: Severity;
  registry?: string;
  /** The raw error or observation. */
  seen: string;
  /** In one sentence. */
  cause: string;
  /** A command the user can run, or what doctor can do itself. */
  fix: string;
  fixable: boolean;
  /** The check that found it: re-run after fixing. */
  check: string;
  apply?: Fix;
}

/** A registry to check: pulls from `registry`, pushes to `pushRegistry` when `push` is expected at all. */
export interface Target {
  registry: RegistryRef;
  pushRegistry: RegistryRef;
  /** false for registries only seen as mirrors, insecure entries or certs.d directories: they only serve pulls. */
  push: boolean;
  /** Where doctor learnt of it: "argument", "journal", "daemon.json mirror", … */
  sources: string[];
}

export const findingJson = (f: Finding) => ({
  id: f.id,
  severity: f.severity,
  ...(f.registry === undefined ? {} : { registry: f.registry }),
  seen: f.seen,
  cause: f.cause,
  fix: f.fix,
  fixable: f.fixable,
});

export const isProblem = (f: Finding): boolean => f.severity === 'error';
export const findingKey = (f: Pick<Finding, 'id' | 'registry'>): string => `${f.id}@${f.registry ?? ''}`;
