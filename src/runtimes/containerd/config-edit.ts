import { dirname } from 'node:path';
import { refused } from '../../core/errors.js';
import type { FileAction } from '../../core/plan-types.js';
import { appendTables, findTable, formatKey, parseToml, setKey, tomlTables } from '../../core/toml-text.js';
import { criPlugin, importCovers, type RegistrySettings } from './config.js';
import type { ConfigEdit } from './record.js';
import type { ContainerdSnapshot } from './snapshot.js';

// Turning config_path on, the one change that needs a containerd restart. containerd 1.x replaces
// a whole plugin section with an import's, so a drop-in holding only the registry table would wipe
// the CRI section's other settings (SystemdCgroup, sandbox_image, …): there the key goes into the
// file that holds the CRI section, edited as text (comments and layout kept). 2.x merges imports key
// by key: there a drop-in of regsetup's own, plus its `imports` entry, leaves config.toml as it is.

export const DROP_IN = '/etc/containerd/conf.d/50-regsetup.toml';

const get = (obj: unknown, path: readonly string[]): unknown =>
  path.reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);

export interface ConfigEditPlan {
  actions: FileAction[];
  edit: ConfigEdit;
}

export function planEnableConfigPath(snap: ContainerdSnapshot, settings: RegistrySettings, root: string): ConfigEditPlan {
  return settings.major < 2 ? inPlace(snap, settings, root) : dropIn(snap, settings, root);
}

function inPlace(snap: ContainerdSnapshot, settings: RegistrySettings, root: string): ConfigEditPlan {
  const file = [snap.config, ...snap.imports].find((f) => f.path === settings.criFile) ?? snap.config;
  const before = file.text;
  const version = before === undefined ? 2 : (parseToml(before, file.path).version as number | undefined) ?? (file === snap.config ? undefined : settings.mainVersion);
  const table = [...criPlugin(version), 'registry'];
  let text: string;
  let previous: string | undefined;
  let tableCreated = false;
  if (before === undefined) {
    text = `version = 2\n\n[${formatKey(table)}]\n  config_path = ${JSON.stringify(root)}\n`;
    tableCreated = true;
  } else if (findTable(before, table)) {
    const current = get(parseToml(before, file.path), [...table, 'config_path']);
    previous = typeof current === 'string' ? current : undefined;
    text = setKey(before, table, 'config_path', root);
  } else {
    text = appendTables(before, `[${formatKey(table)}]\n  config_path = ${JSON.stringify(root)}`);
    tableCreated = true;
  }
  const reread = readBack(text, file.path);
  if (get(reread, [...table, 'config_path']) !== root) throw cannotEdit(file.path, table);
  return {
    actions: [{ kind: 'write-file', path: file.path, ...(before === undefined ? {} : { before }), after: text, mode: 0o644, reason: `set config_path = "${root}" so CRI reads hosts.toml` }],
    edit: { how: 'in-place', file: file.path, table, ...(previous === undefined ? {} : { previous }), tableCreated, value: root },
  };
}

function dropIn(snap: ContainerdSnapshot, settings: RegistrySettings, root: string): ConfigEditPlan {
  const version = settings.mainVersion ?? 3;
  const table = [...criPlugin(version === 2 ? 2 : 3), 'registry'];
  const content = `# Written by regsetup: CRI reads hosts.toml from here. \`regsetup leave\` removes this file.\nversion = ${version === 2 ? 2 : 3}\n\n[${formatKey(table)}]\n  config_path = ${JSON.stringify(root)}\n`;
  const actions: FileAction[] = [{ kind: 'write-file', path: DROP_IN, after: content, mode: 0o644, reason: 'a drop-in that turns config_path on' }];
  const main = snap.config;
  const covered = settings.imports.some((p) => importCovers(p, dirname(main.path), DROP_IN));
  let importAdded: string | undefined;
  if (!covered) {
    importAdded = DROP_IN;
    const before = main.text;
    const after = before === undefined ? `version = ${version}\nimports = ${JSON.stringify([DROP_IN])}\n` : setKey(before, [], 'imports', [...settings.imports, DROP_IN]);
    const reread = readBack(after, main.path);
    if (!Array.isArray(reread.imports) || !reread.imports.includes(DROP_IN)) throw cannotEdit(main.path, ['imports']);
    actions.push({ kind: 'write-file', path: main.path, ...(before === undefined ? {} : { before }), after, mode: 0o644, reason: `import ${DROP_IN}` });
  }
  return { actions, edit: { how: 'drop-in', file: main.path, dropIn: DROP_IN, ...(importAdded ? { importAdded } : {}), mainCreated: main.text === undefined } };
}

/** Leave: put config_path (or the imports line) back as it was, when the file still holds what regsetup set. */
export function unplanConfigEdit(snap: ContainerdSnapshot, edit: ConfigEdit, warnings: string[]): FileAction[] {
  const file = [snap.config, ...snap.imports].find((f) => f.path === edit.file);
  const text = file?.text;
  if (edit.how === 'in-place') {
    if (text === undefined) return [];
    const value = get(parseToml(text, edit.file), [...edit.table, 'config_path']);
    if (value !== edit.value) {
      warnings.push(`config_path in ${edit.file} was changed after join; left as it is.`);
      return [];
    }
    let after = setKey(text, edit.table, 'config_path', edit.previous ?? '');
    if (edit.previous === undefined) after = dropKey(after, edit.table, 'config_path');
    if (edit.tableCreated && isEmptyTable(after, edit.table)) after = dropEmptyTable(after, edit.table);
    return [{ kind: 'write-file', path: edit.file, before: text, after, mode: 0o644, reason: 'put config_path back as it was' }];
  }
  const actions: FileAction[] = [];
  const dropInText = snap.hostsFiles[edit.dropIn];
  if (dropInText !== undefined) actions.push({ kind: 'remove-file', path: edit.dropIn, before: dropInText, reason: 'remove regsetup\'s drop-in' });
  if (edit.importAdded !== undefined && text !== undefined) {
    const imports = parseToml(text, edit.file).imports;
    if (Array.isArray(imports) && imports.includes(edit.importAdded)) {
      const rest = imports.filter((i) => i !== edit.importAdded);
      const after = edit.mainCreated && rest.length === 0 ? undefined : setKey(text, [], 'imports', rest);
      actions.push(after === undefined ? { kind: 'remove-file', path: edit.file, before: text, reason: 'remove the config.toml regsetup created' } : { kind: 'write-file', path: edit.file, before: text, after, mode: 0o644, reason: `stop importing ${edit.importAdded}` });
    }
  }
  return actions;
}

function dropKey(text: string, table: readonly string[], key: string): string {
  const t = findTable(text, table);
  if (!t) return text;
  const lines = text.split('\n');
  const re = new RegExp(`^\\s*${key}\\s*=`);
  const i = lines.findIndex((l, n) => n > t.header && n < t.end && re.test(l));
  if (i >= 0) lines.splice(i, 1);
  return lines.join('\n');
}

function isEmptyTable(text: string, table: readonly string[]): boolean {
  const t = tomlTables(text).find((x) => x.path.join('\0') === table.join('\0'));
  if (!t) return false;
  const body = text.split('\n').slice(t.header + 1, t.end);
  const sub = tomlTables(text).some((x) => x.header > t.header && table.every((p, i) => x.path[i] === p) && x.path.length > table.length);
  return !sub && body.every((l) => l.trim() === '' || l.trim().startsWith('#'));
}

function dropEmptyTable(text: string, table: readonly string[]): string {
  const t = findTable(text, table);
  if (!t) return text;
  const lines = text.split('\n');
  lines.splice(t.header, t.end - t.header);
  return lines.join('\n').replace(/\n{3,}/g, '\n\n');
}

function readBack(text: string, path: string): Record<string, unknown> {
  try {
    return parseToml(text, path);
  } catch {
    throw cannotEdit(path, []);
  }
}

const cannotEdit = (path: string, table: readonly string[]) =>
  refused(
    'ERR_CONTAINERD_CONFIG_EDIT',
    `regsetup cannot set config_path safely in ${path}${table.length ? ` ([${formatKey(table)}] is written in a form it does not edit, e.g. dotted keys or an inline table)` : ''}; nothing was written`,
    `Set it yourself: [${formatKey(table.length ? table : ['plugins', 'io.containerd.grpc.v1.cri', 'registry'])}] config_path = "/etc/containerd/certs.d", restart containerd, and run join again.`,
  );
