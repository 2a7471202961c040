// The one HTTP funnel (STYLE.md: one module per side effect). Everything that talks
// HTTP — registry API, token realms, CA downloads — goes through httpRequest so TLS
// settings, timeouts, redirects and error wording are decided in one place.
import type { Readable } from 'node:stream';
import type { Agent } from 'undici';
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

// undici is loaded by the first request: commands that never go on the network do not pay ~80 ms for it.
const undiciModule = () => import('undici');

// Agents hold the TLS settings and the keep-alive pool; one per distinct TLS setup.
const agents = new Map<string, Agent>();

async function agentFor(tls: HttpTlsOptions | undefined): Promise<Agent> {
  // Loaded before the lookup, so the get-or-create below runs without a pause: no duplicate agents.
  const { Agent } = await undiciModule();
  const key = JSON.stringify(tls ?? {});
  let agent = agents.get(key);
  if (agent === undefined) {
    agent = new Agent({
      connect: {
        ca: tls?.ca,
        cert: tls?.cert,
        key: tls?.key,
        servername: tls?.servername,
        rejectUnauthorized: tls?.insecureSkipVerify !== true,
      },
    });
    agents.set(key, agent);
  }
  return agent;
}

/** Closes the pooled connections (tests, and the CLI before exit). */
export async function closeHttpAgents(): Promise<void> {
  const all = [...agents.values()];
  agents.clear();
  await Promise.all(all.map((agent) => agent.close()));
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
    const { request } = await undiciModule();
    const res = await request(url, {
      method,
      headers,
      body,
      dispatcher: await agentFor(opts.tls),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const receivedAt = now();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > maxBodyBytes) {
        res.body.destroy();
        throw new RegsetupError('ERR_HTTP_BODY_TOO_LARGE', `${method} ${redact(url)}: response body exceeds ${maxBodyBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    return { status: res.statusCode, headers: normaliseHeaders(res.headers), body: Buffer.concat(chunks), url, timing: { sentAt, receivedAt } };
  } catch (error) {
    if (error instanceof RegsetupError) throw error;
    const code = networkCode(error);
    throw new RegsetupError('ERR_NETWORK', `${method} ${redact(url)} failed: ${code}: ${describe(error)}`, { cause: error });
  }
}

/** The most specific code in the error chain: TLS and socket codes hide under undici's wrappers. */
export function networkCode(error: unknown): string {
  const seen = new Set<unknown>();
  let fallback: string | undefined;
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'ETIMEDOUT';
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'ETIMEDOUT';
    if (!code.startsWith('UND_ERR')) return code;
    fallback ??= code;
  }
  return fallback ?? 'EUNKNOWN';
}

function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error && parts.length < 3; e = e.cause) {
    if (e.message !== '' && !parts.includes(e.message)) parts.push(e.message);
  }
  return parts.join(': ') || String(error);
}

function normaliseHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(raw)) if (value !== undefined) out[name.toLowerCase()] = value;
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
