// The one HTTP funnel (docs/architecture.md "The layers": host/ alone does I/O). Everything that talks
// HTTP — registry API, token realms, CA downloads — goes through httpRequest so TLS
// settings, timeouts, redirects and error wording are decided in one place.
import { Agent as HttpAgent, request as plainRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RegsetupError } from '../core/errors.js';
import { redact } from '../core/redact.js';

export interface HttpTlsOptions {
  /** PEMs to trust. When given they replace Node's bundled roots, like Go's RootCAs. */
  ca?: string[];
  cert?: string;
  key?: string;
  insecureSkipVerify?: boolean;
  servername?: string;
}

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string | Readable;
  tls?: HttpTlsOptions;
  timeoutMs?: number;
  maxBodyBytes?: number;
  /** How many redirects to follow; default 0 because registries redirect blob GETs to storage. */
  followRedirects?: number;
  now?: () => number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  /** The URL that answered (differs from the request's after redirects). */
  url: string;
  timing: { sentAt: number; receivedAt: number };
}

export type HttpRequester = (url: string, opts?: HttpRequestOptions) => Promise<HttpResponse>;

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

// Node's own http/https clients: the agent runs for months, and undici (with its WebAssembly
// HTTP parser) cost ~27 MB of its resident memory for what node:https does natively.
// Agents hold the TLS settings and the keep-alive pool; one per protocol and distinct TLS setup.
const agents = new Map<string, HttpAgent>();

function agentFor(protocol: string, tls: HttpTlsOptions | undefined): HttpAgent {
  const key = `${protocol}${JSON.stringify(tls ?? {})}`;
  let agent = agents.get(key);
  if (agent === undefined) {
    agent =
      protocol === 'https:'
        ? new HttpsAgent({
            keepAlive: true,
            ca: tls?.ca,
            cert: tls?.cert,
            key: tls?.key,
            servername: tls?.servername,
            rejectUnauthorized: tls?.insecureSkipVerify !== true,
          })
        : new HttpAgent({ keepAlive: true });
    agents.set(key, agent);
  }
  return agent;
}

/** Closes the pooled connections (tests, and the CLI before exit). */
export async function closeHttpAgents(): Promise<void> {
  const all = [...agents.values()];
  agents.clear();
  for (const agent of all) agent.destroy();
  await Promise.resolve();
}

export async function httpRequest(url: string, opts: HttpRequestOptions = {}): Promise<HttpResponse> {
  let current = url;
  let method = (opts.method ?? 'GET').toUpperCase();
  let body = opts.body;
  let headers = { ...opts.headers };
  for (let hops = 0; ; hops++) {
    const res = await once(current, method, headers, body, opts);
    const location = headerValue(res.headers, 'location');
    if (hops >= (opts.followRedirects ?? 0) || !REDIRECTS.has(res.status) || location === undefined) return res;
    // A stream body cannot be sent twice: hand the redirect back to the caller.
    if ((res.status === 307 || res.status === 308) && body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) return res;
    const next = new URL(location, current);
    // Never carry credentials to another origin: blob redirects go to S3 and the like.
    if (next.origin !== new URL(current).origin) headers = withoutHeader(headers, 'authorization');
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      method = method === 'HEAD' ? 'HEAD' : 'GET';
      body = undefined;
      headers = withoutHeader(withoutHeader(headers, 'content-type'), 'content-length');
    }
    current = next.toString();
  }
}

async function once(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: HttpRequestOptions['body'],
  opts: HttpRequestOptions,
): Promise<HttpResponse> {
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const sentAt = now();
  try {
    const target = new URL(url);
    if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new TypeError(`unsupported protocol ${target.protocol}`);
    const send = target.protocol === 'https:' ? httpsRequest : plainRequest;
    // One deadline for connect, headers and body alike (an AbortSignal, as a caller's would be).
    const signal = AbortSignal.timeout(timeoutMs);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = send(target, { method, headers, agent: agentFor(target.protocol, opts.tls), signal }, resolve);
      req.once('error', reject);
      if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
      else pipeline(body, req).catch(reject);
    });
    const receivedAt = now();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res) {
      size += (chunk as Buffer).length;
      if (size > maxBodyBytes) {
        res.destroy();
        throw new RegsetupError('ERR_HTTP_BODY_TOO_LARGE', `${method} ${redact(url)}: response body exceeds ${maxBodyBytes} bytes`, {
          hint: `${hostOf(url)} answered with far more than a registry sends here: check the URL. Nothing was changed.`,
          exitCode: 4,
        });
      }
      chunks.push(chunk as Buffer);
    }
    return { status: res.statusCode ?? 0, headers: normaliseHeaders(res.headersDistinct), body: Buffer.concat(chunks), url, timing: { sentAt, receivedAt } };
  } catch (error) {
    if (error instanceof RegsetupError) throw error;
    throw networkError(`${method} ${redact(url)}`, hostOf(url), networkCode(error), describe(error), error);
  }
}

/** host[:port] of a URL, never its user info. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return redact(url);
  }
}

// Node's and OpenSSL's TLS error codes (ERR_ followed by TLS_, SSL_ or CERT…), spelled so they read as families, not as regsetup codes.
const TLS_CODE = /^(?:CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_(?:TLS|SSL)_|EPROTO$|HOSTNAME_MISMATCH|ERR_(?=CERT))/;

/**
 * A network failure is the network's, not a bug: ERR_NETWORK (exit 4: nothing was changed
 * by a request that did not get through), naming the host and what to look at.
 */
export function networkError(what: string, host: string, code: string, detail: string, cause: unknown): RegsetupError {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const hint =
    code === 'ECONNREFUSED' ? `Nothing listens at ${host}: check the port, and that the registry (or its proxy) is up.`
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? `${name} does not resolve here: check the name and this host's DNS (getent hosts ${name}).`
    : code === 'ETIMEDOUT' ? `${host} did not answer in time: a firewall, a proxy or a routing problem drops the traffic.`
    : code === 'ECONNRESET' || code === 'EPIPE' || code.startsWith('HPE_') ? `${host} closed the connection: a proxy in the way, or plain HTTP spoken on a TLS port (or the reverse)?`
    : code === 'EHOSTUNREACH' || code === 'ENETUNREACH' ? `No route to ${host} from this host: check its address and the network.`
    : TLS_CODE.test(code) ? `TLS with ${host} failed (${code}): check its certificate and the CA this host trusts (regsetup doctor ${host}).`
    : `Check the network path to ${host} (regsetup doctor ${host}).`;
  return new RegsetupError('ERR_NETWORK', `${what} failed: ${code}: ${detail}`, { hint: `${hint} Nothing was changed.`, cause, exitCode: 4 });
}

/** The most specific code in the error chain: TLS and socket codes may hide under wrappers (causes). */
export function networkCode(error: unknown): string {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'ETIMEDOUT';
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ABORT_ERR') return code;
  }
  return 'EUNKNOWN';
}

function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error && parts.length < 3; e = e.cause) {
    if (e.message !== '' && !parts.includes(e.message)) parts.push(e.message);
  }
  return parts.join(': ') || String(error);
}

/** A header sent once is a string, one sent several times the list of its values. */
function normaliseHeaders(raw: Record<string, string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(raw)) if (value !== undefined) out[name.toLowerCase()] = value.length === 1 ? value[0]! : value;
  return out;
}

/** First value of a response header, case-insensitive. */
export function headerValue(headers: Record<string, string | string[]>, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function withoutHeader(headers: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([key]) => key.toLowerCase() !== name));
}
