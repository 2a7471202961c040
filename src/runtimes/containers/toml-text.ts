import { parse, TomlError } from 'smol-toml';
import { refused } from '../../core/errors.js';

// containers/image reads registries.conf and its drop-ins with BurntSushi/toml
// (pkg/sysregistriesv2/system_registries_v2.go loadConfigFile): a syntax error or a value of the
// wrong type fails every podman, buildah, skopeo and CRI-O pull. regsetup parses them the same
// strict way first and names the line, so it never rewrites (or builds on) a file it cannot read.

export const hintFor = (source: string, ours: boolean): string =>
  ours
    ? `podman would refuse ${source} too. Fix it by hand or move it away (regsetup writes it again on the next join); regsetup never rewrites a file it cannot read.`
    : `podman, buildah, skopeo and CRI-O refuse ${source} too, on every pull. Fix it first (or leave podman out of this run with --runtime); regsetup changed nothing.`;

const lineOf = (text: string, offset: number): number => text.slice(0, offset).split(/\r\n|\n|\r/).length;

/** The TOML document as plain data; refuses (exit 4, line and column named) what BurntSushi/toml would refuse. */
export function parseToml(text: string, source: string, ours: boolean): Record<string, unknown> {
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    throw refused('ERR_REGISTRIES_CONF_MALFORMED', `${source} is not a text file: a NUL byte at line ${lineOf(text, nul)}`, hintFor(source, ours));
  }
  try {
    return parse(text.replace(/^\uFEFF/, '')) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const reason = error.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
    throw refused('ERR_REGISTRIES_CONF_MALFORMED', `${source} is not valid TOML: ${reason} at line ${error.line} column ${error.column}`, hintFor(source, ours));
  }
}

type Context = { table: string; index: number[] };

/**
 * The line a value lives on, for a path into the parsed document (e.g. registry.2.mirror.0.location
 * or registries): array-of-tables headers are counted, plain tables and keys matched by name, an
 * inline table named by the key that holds it. undefined when nothing on a line matches.
 */
export function lineOfPath(text: string, path: ReadonlyArray<string | number>): number | undefined {
  const target = path.filter((p): p is string => typeof p === 'string').join('.');
  const indexes = path.filter((p): p is number => typeof p === 'number');
  const counters = new Map<string, number>();
  let ctx: Context = { table: '', index: [] };
  const lines = text.split(/\r\n|\n|\r/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.replace(/^\s+/, '');
    const header = /^(\[\[?)\s*([A-Za-z0-9_.\-" ]+?)\s*\]\]?/.exec(line);
    if (header) {
      const name = header[2]!.replace(/\s*\.\s*/g, '.').replace(/"/g, '');
      if (header[1] === '[[') {
        const count = (counters.get(name) ?? -1) + 1;
        counters.set(name, count);
        // A new [[registry]] restarts the count of its [[registry.mirror]] tables.
        for (const key of counters.keys()) if (key.startsWith(`${name}.`)) counters.delete(key);
        const parent = name.includes('.') ? ctx.index.slice(0, name.split('.').length - 1) : [];
        ctx = { table: name, index: [...parent, count] };
      } else {
        ctx = { table: name, index: [] };
      }
      // A header names the place when it is the wanted table or inside it ([registries.search] for registries).
      if ((name === target || name.startsWith(`${target}.`)) && sameIndex(ctx.index.slice(0, indexes.length), indexes)) return n + 1;
      continue;
    }
    const key = /^("?)([A-Za-z0-9_.-]+)\1\s*=/.exec(line)?.[2];
    if (key === undefined) continue;
    const full = [...(ctx.table === '' ? [] : ctx.table.split('.')), ...key.split('.')].join('.');
    // A key names it when it is the wanted value, inside it (dotted keys), or holds it (an inline table).
    const related = full === target || full.startsWith(`${target}.`) || target.startsWith(`${full}.`);
    if (related && sameIndex(ctx.index, indexes.slice(0, ctx.index.length))) return n + 1;
  }
  return undefined;
}

const sameIndex = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((n, i) => n === b[i]);

export const atLine = (text: string, path: ReadonlyArray<string | number>): string => {
  const line = lineOfPath(text, path);
  return line === undefined ? '' : ` (line ${line})`;
};
