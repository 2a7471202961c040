import type { DockerdProcess } from './dockerd-find.js';
import { parseDockerdArgs, parseEnvFile, shellWords } from './dockerd-args.js';
import type { Files } from './files.js';
import { resolveHostPath } from './host-path.js';

export interface FlagSource {
  /** The daemon.json key the flag sets; undefined for flags without one (--config-file). */
  key?: string;
  /** As written, e.g. --insecure-registry. */
  flag: string;
  value?: string;
  /** Where it is written: "argv of pid 123", "/lib/systemd/system/docker.service ExecStart", "/etc/default/docker DOCKER_OPTS". */
  source: string;
}

// systemd's precedence: /etc over /run over the vendor directories. /lib is often
// a symlink to /usr/lib, so only the first unit file found counts.
const UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'];
const DEFAULT_FILE = '/etc/default/docker';

interface UnitLine {
  file: string;
  key: string;
  value: string;
}

/** [Service] assignments of a unit file, continuation lines joined. */
function serviceLines(file: string, text: string): UnitLine[] {
  const lines: UnitLine[] = [];
  let section = '';
  for (const raw of text.replace(/\\\r?\n/g, ' ').split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[')) section = line;
    const eq = line.indexOf('=');
    if (section === '[Service]' && eq > 0) lines.push({ file, key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim() });
  }
  return lines;
}

/** The docker.service unit file and its drop-ins, in the order systemd applies them. */
async function unitLines(files: Files, root: string | undefined): Promise<UnitLine[]> {
  const read = (path: string) => files.readText(resolveHostPath(root, path));
  const lines: UnitLine[] = [];
  for (const dir of UNIT_DIRS) {
    const path = `${dir}/docker.service`;
    const text = await read(path);
    if (text === undefined) continue;
    lines.push(...serviceLines(path, text));
    break;
  }
  const dropIns = new Map<string, string>();
  for (const dir of UNIT_DIRS) {
    for (const name of await files.readdir(resolveHostPath(root, `${dir}/docker.service.d`))) {
      if (name.endsWith('.conf') && !dropIns.has(name)) dropIns.set(name, `${dir}/docker.service.d/${name}`);
    }
  }
  for (const name of [...dropIns.keys()].sort()) {
    const path = dropIns.get(name) as string;
    lines.push(...serviceLines(path, (await read(path)) ?? ''));
  }
  return lines;
}

/** Flags of the effective ExecStart, including those that $VARS bring in from env files. */
async function unitFlags(files: Files, root: string | undefined, lines: UnitLine[]): Promise<{ flags: FlagSource[]; vars: Set<string> }> {
  let execStarts: UnitLine[] = [];
  // An empty ExecStart= clears the list: that is how a drop-in replaces the command.
  for (const line of lines) if (line.key === 'ExecStart') execStarts = line.value === '' ? [] : [...execStarts, line];

  const env = new Map<string, { value: string; source: string }>();
  for (const line of lines) {
    if (line.key === 'Environment') {
      for (const word of shellWords(line.value)) {
        const eq = word.indexOf('=');
        if (eq > 0) env.set(word.slice(0, eq), { value: word.slice(eq + 1), source: `${line.file} Environment` });
      }
    } else if (line.key === 'EnvironmentFile') {
      const path = line.value.replace(/^-/, '');
      const text = await files.readText(resolveHostPath(root, path));
      for (const [name, value] of Object.entries(parseEnvFile(text ?? ''))) env.set(name, { value, source: `${path} ${name}` });
    }
  }

  const flags: FlagSource[] = [];
  const vars = new Set<string>();
  for (const line of execStarts) {
    const prefix = /^[-@:+!]*/.exec(line.value)?.[0] ?? '';
    // With the "@" prefix the second word is argv[0], not an argument.
    const args = shellWords(line.value.slice(prefix.length)).slice(prefix.includes('@') ? 2 : 1);
    const literal = args.filter((word) => !word.startsWith('$'));
    flags.push(...parseDockerdArgs(literal).map((flag) => ({ ...flag, source: `${line.file} ExecStart` })));
    for (const word of args.filter((w) => w.startsWith('$'))) {
      const name = word.replace(/^\$\{?|\}$/g, '');
      vars.add(name);
      const found = env.get(name);
      // $VAR is split at whitespace; ${VAR} stays one word (systemd.service(5)).
      const expanded = found === undefined ? [] : word.startsWith('${') ? [found.value] : found.value.split(/\s+/).filter(Boolean);
      flags.push(...parseDockerdArgs(expanded).map((flag) => ({ ...flag, source: found?.source ?? '' })));
    }
  }
  return { flags, vars };
}

/**
 * Every place a dockerd flag is set: the running daemon's argv, the systemd unit and
 * drop-ins (with the env files they expand), and /etc/default/docker for sysv-style starts.
 */
export async function flagSources(input: { files: Files; dockerd?: DockerdProcess; root?: string }): Promise<FlagSource[]> {
  const { files, dockerd, root } = input;
  const sources: FlagSource[] = [];
  if (dockerd !== undefined) {
    sources.push(...parseDockerdArgs(dockerd.argv.slice(1)).map((flag) => ({ ...flag, source: `argv of pid ${dockerd.pid}` })));
    // The system unit and /etc/default/docker are not how a rootless or a snap's dockerd starts:
    // dockerd-rootless.sh and the snap's wrapper put every flag on its command line.
    if (dockerd.variant !== 'rootful') return sources;
  }
  // A running dockerd on a host not booted with systemd was not started from the unit:
  // its flags are in argv. Without a running dockerd (an image being built) the unit counts.
  const systemdBooted = await files.exists(resolveHostPath(root, '/run/systemd/system'));
  const lines = dockerd === undefined || systemdBooted ? await unitLines(files, root) : [];
  const unit = await unitFlags(files, root, lines);
  sources.push(...unit.flags);
  // The Debian/Ubuntu init script reads DOCKER_OPTS from here; a unit that expands it was covered above.
  if (!unit.vars.has('DOCKER_OPTS') && (lines.length === 0 || (dockerd !== undefined && dockerd.managedBy !== 'systemd'))) {
    const opts = parseEnvFile((await files.readText(resolveHostPath(root, DEFAULT_FILE))) ?? '').DOCKER_OPTS;
    if (opts !== undefined) {
      sources.push(...parseDockerdArgs(opts.split(/\s+/).filter(Boolean)).map((flag) => ({ ...flag, source: `${DEFAULT_FILE} DOCKER_OPTS` })));
    }
  }
  return sources;
}

/** The flag sources that set a key we are about to write: dockerd would refuse the pair. */
export function conflicts(keysToWrite: readonly string[], sources: readonly FlagSource[]): FlagSource[] {
  const keys = new Set(keysToWrite);
  return sources.filter((source) => source.key !== undefined && keys.has(source.key));
}
