// TLS as Docker will see it. dockerd is Go: it trusts the system pool plus the *.crt
// files of certs.d, and ignores the certificate's Common Name. We reproduce those rules
// here so "verify" fails where a pull would, not somewhere else.
import { isIP } from 'node:net';
import { join } from 'node:path';
import { connect, rootCertificates, type DetailedPeerCertificate } from 'node:tls';
import { X509Certificate, createHash } from 'node:crypto';
import { RegsetupError, badInput } from '../core/errors.js';
import { isRegsetupError } from '../core/errors.js';
import { nodeFiles } from './files.js';
import { networkError } from './http.js';

export interface CertInfo {
  pem: string;
  subject: string;
  issuer: string;
  validFrom: Date;
  validTo: Date;
  /** `sha256:` + lowercase hex of the DER, the form `--ca-fingerprint` takes. */
  fingerprint256: string;
  /** `sha256:` + lowercase hex of the public key's SPKI DER: kubeadm's --discovery-token-ca-cert-hash. */
  spki256: string;
  isCA: boolean;
  selfSigned: boolean;
  subjectAltName?: string;
}

// Go's crypto/x509 root_linux.go: the first of these files that reads, then every file of the directories.
const GO_CERT_FILES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/pki/tls/cacert.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/cert.pem',
];
const GO_CERT_DIRS = ['/etc/ssl/certs', '/etc/pki/tls/certs'];

const BEGIN = '-----BEGIN CERTIFICATE-----';
const END = '-----END CERTIFICATE-----';

/**
 * Every certificate PEM of a bundle, normalised to end with a newline. One pass with indexOf:
 * a lazy regex from each BEGIN to the next END is quadratic on a file of BEGINs without an END.
 */
export function loadPemFile(text: string): string[] {
  const pems: string[] = [];
  for (let at = text.indexOf(BEGIN); at >= 0; ) {
    const end = text.indexOf(END, at + BEGIN.length + 1);
    if (end < 0) break;
    // A BEGIN inside the block starts the block again (as the lazy regex did not: it is more careful).
    const inner = text.lastIndexOf(BEGIN, end);
    pems.push(`${text.slice(inner, end + END.length)}\n`);
    at = text.indexOf(BEGIN, end + END.length);
  }
  return pems;
}

// Reads go through the files port: regular files only (a FIFO never hangs a verify), 4 MiB at most.
const port = nodeFiles();
const readIfRegular = (path: string) => port.readText(path).catch(() => undefined);

/**
 * The roots a Go program on this host trusts. Go also reads every file of /etc/ssl/certs,
 * so a PEM dropped there without update-ca-certificates counts for Docker (not for curl).
 * SSL_CERT_FILE / SSL_CERT_DIR override the lists, as they do for Go.
 */
export function systemCaPems(opts: { root?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string[]> {
  const root = opts.root ?? '';
  const env = opts.env ?? process.env;
  // Reading every file of /etc/ssl/certs costs ~60 ms: once per process (join's preflight and its verify share it).
  const key = JSON.stringify([root, env.SSL_CERT_FILE, env.SSL_CERT_DIR]);
  let pems = systemPemsCache.get(key);
  if (pems === undefined) {
    pems = readSystemCaPems(root, env);
    systemPemsCache.set(key, pems);
  }
  return pems;
}

const systemPemsCache = new Map<string, Promise<string[]>>();

async function readSystemCaPems(root: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const files = env.SSL_CERT_FILE ? [env.SSL_CERT_FILE] : GO_CERT_FILES;
  const dirs = env.SSL_CERT_DIR ? env.SSL_CERT_DIR.split(':') : GO_CERT_DIRS;
  const pems = new Set<string>();
  for (const file of files) {
    const text = await readIfRegular(root + file);
    if (text === undefined) continue;
    for (const pem of loadPemFile(text)) pems.add(pem);
    break;
  }
  for (const dir of dirs) {
    const names = await port.readdir(root + dir).catch(() => [] as string[]);
    for (const name of names) {
      const text = await readIfRegular(join(root + dir, name));
      if (text !== undefined) for (const pem of loadPemFile(text)) pems.add(pem);
    }
  }
  return pems.size > 0 ? [...pems] : rootCertificates.map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`));
}

export interface CertsDir {
  caFiles: string[];
  caPems: string[];
  clientPairs: Array<{ cert: string; key: string; certFile: string; keyFile: string }>;
  problems: string[];
}

/** Reads /etc/docker/certs.d/<host[:port]>/ with moby's rules (registry.ReadCertsDirectory). */
export async function certsDirCas(certsRoot: string, hostPort: string): Promise<CertsDir> {
  if (hostPort === '' || hostPort.includes('/') || hostPort.startsWith('.')) {
    throw badInput('ERR_BAD_REGISTRY', `not a host[:port]: ${hostPort}`);
  }
  const dir = join(certsRoot, hostPort);
  const out: CertsDir = { caFiles: [], caPems: [], clientPairs: [], problems: [] };
  const names = await port.readdir(dir).catch(() => [] as string[]);
  const has = new Set(names);
  // Docker reads these files at every pull: one that is not a regular file (a FIFO hangs the pull) is a problem to show.
  const read = async (path: string): Promise<string | undefined> => {
    try {
      return await port.readText(path);
    } catch (error) {
      if (!isRegsetupError(error)) throw error;
      out.problems.push(`${path}: ${error.message}`);
      return undefined;
    }
  };
  for (const name of names) {
    const path = join(dir, name);
    if (name.endsWith('.crt')) {
      const text = await read(path);
      if (text === undefined) continue;
      const pems = loadPemFile(text);
      // Go's AppendCertsFromPEM skips what it cannot parse without a word.
      if (pems.length === 0) out.problems.push(`${path}: no PEM certificate in it (DER? convert with openssl x509 -inform der); Docker ignores it silently`);
      out.caFiles.push(path);
      out.caPems.push(...pems);
    } else if (name.endsWith('.cert')) {
      const keyName = `${name.slice(0, -5)}.key`;
      if (!has.has(keyName)) {
        out.problems.push(`${path}: missing key ${keyName} for this client certificate (CA certificates must use the extension .crt); Docker refuses the whole directory`);
        continue;
      }
      const keyFile = join(dir, keyName);
      const [cert, key] = [await read(path), await read(keyFile)];
      if (cert !== undefined && key !== undefined) out.clientPairs.push({ cert, key, certFile: path, keyFile });
    } else if (name.endsWith('.key')) {
      if (!has.has(`${name.slice(0, -4)}.cert`)) out.problems.push(`${path}: missing client certificate ${name.slice(0, -4)}.cert for this key`);
    } else if (name.endsWith('.pem') || name.endsWith('.cer')) {
      out.problems.push(`${path}: ignored, Docker reads only *.crt (CA), *.cert and *.key (client pair)`);
    }
  }
  return out;
}

export function certInfo(pem: string): CertInfo {
  const x = new X509Certificate(pem);
  return {
    pem: x.toString(),
    subject: x.subject,
    issuer: x.issuer,
    validFrom: x.validFromDate,
    validTo: x.validToDate,
    fingerprint256: `sha256:${createHash('sha256').update(x.raw).digest('hex')}`,
    spki256: `sha256:${createHash('sha256').update(x.publicKey.export({ type: 'spki', format: 'der' })).digest('hex')}`,
    isCA: x.ca,
    selfSigned: x.checkIssued(x) && x.verify(x.publicKey),
    subjectAltName: x.subjectAltName,
  };
}

/** A CA file must be one PEM X.509 certificate with CA:TRUE, valid at `now`. */
export function inspectCaPem(pem: string, now: number): { ok: boolean; info?: CertInfo; problems: string[] } {
  const pems = loadPemFile(pem);
  if (pems.length === 0) return { ok: false, problems: ['not a PEM certificate (no BEGIN CERTIFICATE block)'] };
  let info: CertInfo;
  try {
    info = certInfo(pems[0]!);
  } catch (error) {
    return { ok: false, problems: [`not a valid X.509 certificate: ${(error as Error).message}`] };
  }
  const problems: string[] = [];
  if (pems.length > 1) problems.push(`${pems.length} certificates in the file; only the first was inspected`);
  if (!info.isCA) problems.push(`not a CA certificate (no basicConstraints CA:TRUE): ${info.subject}`);
  if (info.validTo.getTime() < now) problems.push(`expired on ${info.validTo.toISOString()}`);
  if (info.validFrom.getTime() > now) problems.push(`not valid before ${info.validFrom.toISOString()} (check this host's clock)`);
  return { ok: problems.length === 0, info, problems };
}

/**
 * The CA to trust, learnt from the handshake: the top-most CA the server presented.
 * A server that sends only its leaf does not reveal its CA; we cannot learn it then.
 */
export function pickCaFromChain(chain: CertInfo[]): { ca: CertInfo; reason?: undefined } | { ca: undefined; reason: string } {
  const leaf = chain[0];
  if (leaf === undefined) return { ca: undefined, reason: 'the server presented no certificate' };
  // A self-signed server certificate is its own anchor; Go trusts it when it is in the pool.
  if (chain.length === 1 && leaf.selfSigned) return { ca: leaf };
  const cas = chain.slice(1).filter((c) => c.isCA);
  const top = cas.at(-1);
  if (top === undefined) {
    return { ca: undefined, reason: 'the server sent only its own certificate, not its CA: get the CA file from the registry administrator (or --ca-file / --ca-url)' };
  }
  return { ca: top };
}

export interface ProbeTlsOptions {
  host: string;
  port?: number;
  servername?: string;
  /** Extra anchors (certs.d *.crt); the system roots are always added, as Go does. */
  caPems?: string[];
  systemPems?: string[];
  timeoutMs?: number;
  now?: () => number;
}

export interface ProbeTlsResult {
  authorized: boolean;
  authorizationError?: string;
  /** leaf first, as presented; Node appends the anchor from `ca` when the server left it out. */
  chain: CertInfo[];
  protocol: string | undefined;
  alpn?: string;
  timing: { startedAt: number; secureAt: number };
}

export async function probeTls(opts: ProbeTlsOptions): Promise<ProbeTlsResult> {
  const port = opts.port ?? 443;
  const now = opts.now ?? Date.now;
  const ca = [...(opts.systemPems ?? (await systemCaPems())), ...(opts.caPems ?? [])];
  const servername = opts.servername ?? (isIP(opts.host) !== 0 ? undefined : opts.host);
  const startedAt = now();
  // rejectUnauthorized:false so we always see the chain; Node still sets
  // authorized/authorizationError from `ca` and checkServerIdentity.
  return await new Promise<ProbeTlsResult>((resolve, reject) => {
    const socket = connect({ host: opts.host, port, servername, ca, rejectUnauthorized: false, ALPNProtocols: ['h2', 'http/1.1'] });
    socket.setTimeout(opts.timeoutMs ?? 10_000, () => socket.destroy(Object.assign(new Error('TLS handshake timed out'), { code: 'ETIMEDOUT' })));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'EUNKNOWN';
      const plain = /WRONG_VERSION_NUMBER|EPROTO/.test(code) || /wrong version number/i.test(error.message);
      const failure = networkError(`TLS connection to ${opts.host}:${port}`, `${opts.host}:${port}`, code, error.message, error);
      reject(plain ? new RegsetupError('ERR_NETWORK', failure.message, { hint: `${opts.host}:${port} may speak plain HTTP, not TLS (a registry without TLS needs --insecure). Nothing was changed.`, cause: error, exitCode: 4 }) : failure);
    });
    socket.once('secureConnect', () => {
      const chain = walkChain(socket.getPeerCertificate(true));
      let authorizationError = socket.authorized ? undefined : String(socket.authorizationError);
      // Go (since 1.15) ignores the Common Name; Node falls back to it when there is no SAN.
      if (authorizationError === undefined && chain[0] !== undefined && !chain[0].subjectAltName) {
        authorizationError = 'ERR_TLS_CERT_NO_SAN';
      }
      const alpn = typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : undefined;
      resolve({ authorized: authorizationError === undefined, authorizationError, chain, protocol: socket.getProtocol() ?? undefined, alpn, timing: { startedAt, secureAt: now() } });
      socket.end();
    });
  });
}

function walkChain(peer: DetailedPeerCertificate): CertInfo[] {
  const chain: CertInfo[] = [];
  const seen = new Set<string>();
  for (let cert: DetailedPeerCertificate | undefined = peer; cert?.raw !== undefined; cert = cert.issuerCertificate) {
    if (seen.has(cert.fingerprint256)) break;
    seen.add(cert.fingerprint256);
    chain.push(certInfo(derToPem(cert.raw)));
  }
  return chain;
}

function derToPem(der: Buffer): string {
  const b64 = der.toString('base64').match(/.{1,64}/g)?.join('\n') ?? '';
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

