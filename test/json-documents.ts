import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Every --json document a test sees is checked against the schema regsetup ships for it
// (schemas/, which test/unit/json-schemas.test.ts keeps equal to what the code generates), with a
// validator of its own: what an engine consuming the document would run.

const dir = fileURLToPath(new URL('../schemas/', import.meta.url));
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);

const validators = new Map<string, ValidateFunction>(
  readdirSync(dir)
    .filter((f) => f.endsWith('.schema.json'))
    .map((f) => [f.replace(/\.schema\.json$/, '').replace(/-/g, ' '), ajv.compile(JSON.parse(readFileSync(dir + f, 'utf8')) as object)]),
);

/** The document's schema: error.schema.json for an error, else the one its `command` names. */
export function validateDocument(doc: unknown): void {
  const d = doc as { ok?: unknown; error?: unknown; command?: unknown } | null;
  const name = d?.ok === false && d.error !== undefined ? 'error' : typeof d?.command === 'string' ? d.command : undefined;
  const validate = name === undefined ? undefined : validators.get(name);
  if (name === undefined || validate === undefined) throw new Error(`no schema for this --json document (command ${JSON.stringify(d?.command)}): ${JSON.stringify(doc).slice(0, 300)}`);
  if (!validate(doc)) {
    const problems = (validate.errors ?? []).slice(0, 8).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
    throw new Error(`the --json document of ${name} does not match schemas/${name.replace(/ /g, '-')}.schema.json:\n  ${problems.join('\n  ')}`);
  }
}

/** stdout of a --json run: one document, checked against its schema. */
export function jsonDocument(stdout: string): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  const doc: unknown = JSON.parse(stdout);
  validateDocument(doc);
  return doc;
}

/** The schema files regsetup ships. */
export const schemaFiles = (): string[] => readdirSync(dir).filter((f) => f.endsWith('.schema.json'));
