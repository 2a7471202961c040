import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { specs, type CommandSpec } from '../../src/cli/commands-table.js';
import { documentCommands, emit } from '../../src/cli/documents/documents.js';
import { renderError } from '../../src/cli/exit.js';
import { refused } from '../../src/core/errors.js';
import { createOutput } from '../../src/cli/output.js';
import { renderJsonSchemas } from '../../src/docs/json-schemas.js';
import { jsonDocument } from '../json-documents.js';

// schemas/ is what regsetup ships for engines (Ansible, cloud-init, a DaemonSet) to check its
// --json documents against: generated from the zod schemas the documents go through.

const capture = (json = true) => {
  let stdout = '';
  const out = createOutput(json, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => true } }, { command: 'status' });
  return { out, stdout: () => stdout };
};

/** Every command name a --json run can print a report under: `creds migrate`, `agent status`, … */
const commandNames = (list: CommandSpec[], prefix: string[] = []): string[] =>
  list.flatMap((s) => {
    const path = [...prefix, s.name];
    if (s.subcommands) return commandNames(s.subcommands, path);
    const actions = s.namedActions ? (s.argChoices ?? []).map((a) => [...path, a].join(' ')) : [];
    return [path.join(' '), ...actions];
  });

describe('schemas/', () => {
  it('is generated from the code and up to date (npm run docs)', async () => {
    const generated = await renderJsonSchemas();
    expect(readdirSync('schemas').sort()).toEqual(Object.keys(generated).sort());
    for (const [name, text] of Object.entries(generated)) expect(readFileSync(`schemas/${name}`, 'utf8'), name).toBe(text);
  });

  it('has a document for every command but completion (it prints a shell script)', () => {
    expect(commandNames(specs).filter((c) => c !== 'completion').sort()).toEqual([...documentCommands].sort());
  });

  it('ships with the package', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('schemas');
  });
});

describe('emit', () => {
  it('adds the envelope, with changed as the run marked it, and prints what the schema accepts', async () => {
    const quiet = capture();
    await emit(quiet.out, 'status', { ok: true, registries: [], drifted: false });
    expect(jsonDocument(quiet.stdout())).toEqual({ schemaVersion: 1, command: 'status', changed: false, ok: true, registries: [], drifted: false });
    const busy = capture();
    busy.out.markChanged();
    await emit(busy.out, 'status', { ok: true, registries: [], drifted: false });
    expect(jsonDocument(busy.stdout()).changed).toBe(true);
  });

  it('refuses a document its schema does not describe, and prints nothing', async () => {
    const c = capture();
    await expect(emit(c.out, 'status', { ok: true, registries: [{ registry: 'r.example' }], drifted: false } as never)).rejects.toThrow(/joinedAt/);
    expect(c.stdout()).toBe('');
  });

  it('prints nothing without --json', async () => {
    const c = capture(false);
    await emit(c.out, 'status', { ok: true, registries: [], drifted: false });
    expect(c.stdout()).toBe('');
  });
});

describe('an error under --json', () => {
  it('names the command, and says changed when the run had changed something before it stopped', () => {
    const c = capture();
    c.out.markChanged(); // e.g. join --config: the first registry joined, the second refused
    expect(renderError(refused('ERR_CA_PIN_MISMATCH', 'no CA matches', 'Check the pin.'), c.out)).toBe(4);
    expect(jsonDocument(c.stdout())).toEqual({ schemaVersion: 1, command: 'status', changed: true, ok: false, error: { code: 'ERR_CA_PIN_MISMATCH', message: 'no CA matches', hint: 'Check the pin.' } });
  });
});
