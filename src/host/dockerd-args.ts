// Pure parsing of dockerd command lines: which daemon.json key each flag sets.
// dockerd refuses to start (and a reload fails) when a key is set both ways, so
// this mapping is what lets the planner refuse before it breaks a daemon.

export interface ParsedFlag {
  /** As written: "--insecure-registry", "-H". */
  flag: string;
  /** The daemon.json key it sets; undefined for flags with none (--config-file). */
  key?: string;
  value?: string;
}

// Long flag name → daemon.json key, where they differ (list flags are singular on the
// command line and plural in the file). Any other long flag maps to its own name,
// which is how moby names nearly all of them.
const KEYS: Record<string, string | null> = {
  'registry-mirror': 'registry-mirrors',
  'insecure-registry': 'insecure-registries',
  host: 'hosts',
  graph: 'data-root',
  label: 'labels',
  'dns-opt': 'dns-opts',
  'exec-opt': 'exec-opts',
  'log-opt': 'log-opts',
  'storage-opt': 'storage-opts',
  'default-ulimit': 'default-ulimits',
  'add-runtime': 'runtimes',
  'authorization-plugin': 'authorization-plugins',
  'node-generic-resource': 'node-generic-resources',
  'default-address-pool': 'default-address-pools',
  feature: 'features',
  'config-file': null,
  validate: null,
  version: null,
  help: null,
};

const SHORT: Record<string, string> = { H: 'host', G: 'group', D: 'debug', l: 'log-level', s: 'storage-driver', b: 'bridge', g: 'graph', p: 'pidfile', v: 'version', h: 'help' };

// Bool flags never take the next word as their value (only --flag=false).
const BOOLS = new Set([
  'debug', 'live-restore', 'tls', 'tlsverify', 'iptables', 'ip6tables', 'ip-forward', 'ip-masq', 'icc', 'ipv6',
  'userland-proxy', 'experimental', 'selinux-enabled', 'no-new-privileges', 'init', 'rootless', 'raw-logs',
  'validate', 'version', 'help', 'disable-legacy-registry', 'userns-remap-disabled',
]);

const keyOf = (name: string): string | undefined => {
  const key = KEYS[name];
  return key === null ? undefined : (key ?? name);
};

/** Flags of a dockerd argument list (without argv[0]). dockerd takes no positional arguments. */
export function parseDockerdArgs(args: readonly string[]): ParsedFlag[] {
  const flags: ParsedFlag[] = [];
  const push = (flag: string, name: string, value: string | undefined) =>
    flags.push(value === undefined ? { flag, key: keyOf(name) } : { flag, key: keyOf(name), value });
  // dockerd has no positional arguments, so a word that is not a flag is the previous flag's value.
  const takeNext = (i: number): string | undefined => {
    const next = args[i + 1];
    return next !== undefined && !next.startsWith('-') ? next : undefined;
  };

  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') break;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      let value = eq < 0 ? undefined : arg.slice(eq + 1);
      if (value === undefined && !BOOLS.has(name) && (value = takeNext(i)) !== undefined) i++;
      push(`--${name}`, name, value);
    } else if (arg.startsWith('-') && arg.length > 1) {
      // pflag shorthands: "-D", "-Hfd://", "-H=fd://", "-H fd://", "-DH fd://".
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j] as string;
        const name = SHORT[letter] ?? letter;
        if (BOOLS.has(name)) {
          push(`-${letter}`, name, undefined);
          continue;
        }
        let value: string | undefined = arg.slice(j + 1).replace(/^=/, '');
        if (value === '' && (value = takeNext(i)) !== undefined) i++;
        push(`-${letter}`, name, value === '' ? undefined : value);
        break;
      }
    }
  }
  return flags;
}

/**
 * Split a command line into words: single quotes, double quotes (with \" \\ \$ escapes),
 * backslash escapes. Good for shell assignments and for systemd's ExecStart, whose
 * quoting rules are a close enough subset for dockerd flags.
 */
export function shellWords(text: string, options: { comments?: boolean } = {}): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '#' && word === undefined && options.comments === true) break;
    if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      const stop = end < 0 ? text.length : end;
      word = (word ?? '') + text.slice(i + 1, stop);
      i = stop;
    } else if (c === '"') {
      word ??= '';
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1] as string)) i++;
        word += text[i];
      }
    } else if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[++i];
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** KEY=value assignments of a shell-style env file (/etc/default/docker, EnvironmentFile=); last one wins. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim().replace(/^export\s+/, '');
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (line.startsWith('#') || match === null) continue;
    env[match[1] as string] = shellWords(match[2] as string, { comments: true }).join(' ');
  }
  return env;
}
