import { badInput } from './errors.js';
import { printable } from './redact.js';

/**
 * A registry as Docker names it. `hostPort` is the exact key Docker uses for
 * `/etc/docker/certs.d/<hostPort>/`, `credHelpers` and `insecure-registries`:
 * a port appears only when the user gave one, because Docker does the same.
 */
export interface RegistryRef {
  host: string;
  port?: number;
  hostPort: string;
}

/**
 * The input as a message may quote it: a password in user info masked (user:***@host, with or
 * without a scheme), control characters visible, so a name can neither leak nor paint the terminal.
 */
export function shownInput(input: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(input)?.[0] ?? '';
  const rest = input.slice(scheme.length);
  // Up to the last "@": a password may hold "@" or "/" itself.
  const at = rest.lastIndexOf('@');
  const colon = rest.indexOf(':');
  const masked = at > 0 && colon >= 0 && colon < at ? `${scheme}${rest.slice(0, colon)}:***${rest.slice(at)}` : input;
  return printable(masked);
}

/** host[:port][/path] without any user info, for a hint that suggests what to type instead. */
const withoutUserinfo = (s: string) => (s.includes('@') ? s.slice(s.lastIndexOf('@') + 1) : s);

const fail = (input: string, why: string, hint?: string) =>
  badInput('ERR_BAD_REGISTRY', `"${shownInput(input)}" is not a registry host[:port]: ${why}`, hint === undefined ? undefined : printable(hint));

const hasSpaceOrControl = (s: string) => [...s].some((c) => /\s/.test(c) || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

const label = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function parseRegistry(input: string): RegistryRef {
  if (input === '') throw fail(input, 'it is empty', 'Give the registry as host or host:port, e.g. nexus.example.com:8443.');
  // Spaces and control characters first: they would make every later message confusing.
  if (hasSpaceOrControl(input)) throw fail(input, 'it contains spaces or control characters');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(input);
  if (scheme) {
    const rest = withoutUserinfo(input.slice(scheme[0].length)).replace(/\/+$/, '');
    throw fail(input, 'it has a scheme', `Drop the scheme: use "${rest}". For a plain-HTTP registry add --insecure.`);
  }
  if (input.includes('@')) throw fail(input, 'it has user info', 'Pass the user with --username, never in the name.');
  if (/[?#]/.test(input)) throw fail(input, 'it has a query or fragment');
  if (input.includes('/')) {
    throw fail(input, 'it has a path', 'A registry is only host[:port]; the repository path belongs in the image name.');
  }
  const { host, portText } = splitHostPort(input);
  const port = portText === undefined ? undefined : parsePort(input, portText);
  const canonical = host.startsWith('[') ? `[${checkIpv6(input, host.slice(1, -1))}]` : checkName(input, host.toLowerCase());
  const bare = canonical.startsWith('[') ? canonical.slice(1, -1) : canonical;
  return { host: bare, ...(port === undefined ? {} : { port }), hostPort: port === undefined ? canonical : `${canonical}:${port}` };
}

function splitHostPort(input: string): { host: string; portText?: string } {
  if (input.startsWith('[')) {
    const m = /^(\[[^\]]*\])(?::(.*))?$/.exec(input);
    if (!m) throw fail(input, 'the bracketed IPv6 address is not closed properly');
    return { host: m[1]!, portText: m[2] };
  }
  const colons = input.split(':').length - 1;
  if (colons > 1) throw fail(input, 'an IPv6 address needs brackets', 'Write it as [2001:db8::1]:5000.');
  const [host, portText] = input.split(':') as [string, string | undefined];
  return { host, portText };
}

function parsePort(input: string, text: string): number {
  // Leading zeros are refused: Docker keys certs.d by the literal text, so :05000 and :5000 would differ.
  if (!/^[1-9][0-9]{0,4}$/.test(text) || Number(text) > 65535) throw fail(input, `port "${text}" is not 1-65535`);
  return Number(text);
}

function checkName(input: string, host: string): string {
  if (host === '') throw fail(input, 'the host is empty');
  // A trailing dot is a valid FQDN, but Docker's reference grammar refuses it and certs.d
  // and credHelpers match the text exactly, so "a.example." would be a different registry.
  if (host.endsWith('.')) throw fail(input, 'it ends with a dot', `Use "${host.replace(/\.+$/, '')}".`);
  if (host.includes('..')) throw fail(input, 'it has an empty label ("..")');
  if (host.length > 253) throw fail(input, 'the name is longer than 253 characters');
  const labels = host.split('.');
  if (labels.every((l) => /^[0-9]+$/.test(l))) {
    if (!isIpv4(host)) throw fail(input, 'it looks like an IPv4 address but is not one');
    return host;
  }
  for (const l of labels) {
    if (!label.test(l)) {
      const why = l.length > 63 ? 'is longer than 63 characters' : 'must be letters, digits and inner hyphens';
      throw fail(input, `label "${l}" ${why}`);
    }
  }
  return host;
}

export function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^(?:0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

/** The eight 16-bit groups of an IPv6 address, or undefined when it is not one. */
export function ipv6Groups(text: string): number[] | undefined {
  let body = text.toLowerCase();
  const tail: number[] = [];
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (v4) {
    if (!isIpv4(v4[2]!)) return undefined;
    const [a, b, c, d] = v4[2]!.split('.').map(Number) as [number, number, number, number];
    tail.push((a << 8) | b, (c << 8) | d);
    body = v4[1]!.endsWith('::') ? v4[1]! : v4[1]!.slice(0, -1);
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string) => (s === '' ? [] : s.split(':'));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (![...head, ...rest].every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  const missing = 8 - head.length - rest.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const hex = (g: string) => parseInt(g, 16);
  return [...head.map(hex), ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...rest.map(hex), ...tail];
}

function checkIpv6(input: string, text: string): string {
  if (ipv6Groups(text) === undefined) throw fail(input, `"${text}" is not an IPv6 address`);
  return text.toLowerCase();
}

/** Loopback registries are always insecure to dockerd (127.0.0.0/8 and, from 28.0, ::1/128). */
export function isLoopback(ref: RegistryRef): boolean {
  if (ref.host === 'localhost') return true;
  if (isIpv4(ref.host)) return ref.host.startsWith('127.');
  const groups = ipv6Groups(ref.host);
  if (groups === undefined) return false;
  if (groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1) return true;
  // ::ffff:127.x.y.z is IPv4 loopback in disguise; dockerd unmaps it before matching.
  return groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff && groups[6]! >> 8 === 127;
}

/** `insecure-registries` entries: a CIDR, or a host[:port] (returned in Docker's canonical form). */
export function parseInsecureEntry(entry: string): string {
  const cidr = /^([^/]+)\/(\d{1,3})$/.exec(entry);
  if (cidr) {
    const [, ip, bits] = cidr as unknown as [string, string, string];
    const max = isIpv4(ip) ? 32 : ipv6Groups(ip) ? 128 : -1;
    if (max < 0 || Number(bits) > max) {
      throw badInput('ERR_BAD_REGISTRY', `"${entry}" is not a valid CIDR`, 'Use a network like 10.0.0.0/8 or a host[:port].');
    }
    return entry.toLowerCase();
  }
  // dockerd strips http:// or https:// here with a warning, so an existing file may hold it.
  return parseRegistry(entry.replace(/^https?:\/\//i, '')).hostPort;
}

/**
 * A `registry-mirrors` entry in a canonical form, for writing and for comparison.
 * Docker's rules: http or https, no user info, query or fragment; it appends "/" itself,
 * so trailing slashes carry no meaning. A path is kept: dockerd accepts one from 24.0.x/25.0.
 */
export function normalizeMirrorUrl(url: string): string {
  const bad = (why: string, hint?: string) => badInput('ERR_BAD_MIRROR', `"${shownInput(url)}" is not a usable mirror URL: ${why}`, hint === undefined ? undefined : printable(hint));
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(url);
  if (!m) throw bad('it has no scheme', `Write it as https://${withoutUserinfo(url).replace(/\/+$/, '')}.`);
  const [, scheme, authority, path, query, fragment] = m as unknown as [string, string, string, string, string?, string?];
  if (!/^https?$/i.test(scheme)) throw bad(`scheme "${scheme}" is not http or https`);
  if (query !== undefined || fragment !== undefined) throw bad('it has a query or fragment');
  if (authority.includes('@')) throw bad('it has user info', 'dockerd never sends credentials to a mirror; drop them.');
  if (hasSpaceOrControl(path)) throw bad('its path contains spaces or control characters');
  let hostPort: string;
  try {
    hostPort = parseRegistry(authority).hostPort;
  } catch (error) {
    throw bad((error as Error).message);
  }
  return `${scheme.toLowerCase()}://${hostPort}${path.replace(/\/+$/, '')}`;
}

export const sameMirror = (a: string, b: string): boolean => normalizeMirrorUrl(a) === normalizeMirrorUrl(b);

export const mirrorUrlFor = (ref: RegistryRef, options: { insecure?: boolean } = {}): string =>
  `${options.insecure === true ? 'http' : 'https'}://${ref.hostPort}`;

/** A repository path as the distribution spec allows it (`regsetup/verify`): lowercase components. */
export const isRepositoryPath = (path: string): boolean => /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(path);

/** An http(s) URL to fetch something from (`--ca-url`); the text as given, once it parses. */
export function parseHttpUrl(input: string): string {
  let url: URL | undefined;
  try {
    url = new URL(input);
  } catch {
    url = undefined;
  }
  if (url === undefined || !/^https?:$/.test(url.protocol) || url.hostname === '') {
    throw badInput('ERR_BAD_INPUT', `"${shownInput(input)}" is not an http or https URL`, 'e.g. https://nexus.example.com/ca.crt');
  }
  return input;
}
