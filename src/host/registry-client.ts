// The Docker Registry HTTP API v2, spoken directly (no daemon), for the verification
// suite: ping, the auth dance (Basic or Bearer token realm), HEAD/PUT/DELETE manifests
// and monolithic blob uploads. Every failure keeps the HTTP status and the registry's
// own error codes in its message: the diagnosis catalogue matches on them.
import { RegsetupError, type ErrorCode } from '../core/errors.js';
import { redact, registerSecret } from '../core/redact.js';
import { parseChallenges, type Challenge } from '../core/www-authenticate.js';
import { headerValue, httpRequest, type HttpRequester, type HttpResponse, type HttpTlsOptions } from './http.js';
import { MEDIA_TYPES, buildSchema2Manifest, sha256Digest } from './tiny-image.js';

export type { Challenge };

export interface RegistryClientOptions {
  baseUrl: string;
  tls?: HttpTlsOptions;
  credentials?: { username: string; password: string };
  now?: () => number;
  timeoutMs?: number;
  /** The HTTP port; tests may pass a fake. */
  http?: HttpRequester;
}

export interface PingResult {
  status: number;
  apiVersionHeader?: string;
  challenges: Challenge[];
  date?: string;
  timing: { sentAt: number; receivedAt: number };
}

export interface AuthResult {
  scheme: 'none' | 'basic' | 'bearer';
  token?: string;
  realm?: string;
  service?: string;
  anonymous: boolean;
  expiresIn?: number;
  issuedAt?: string;
}

const MANIFEST_ACCEPT = [
  MEDIA_TYPES.manifest,
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
].join(', ');

/** An HTTP answer the operation did not expect; `status` and `errors` for programmatic checks. */
export class RegistryHttpError extends RegsetupError {
  constructor(
    code: ErrorCode,
    readonly status: number,
    readonly errors: Array<{ code: string; message: string }>,
    message: string,
  ) {
    super(code, message);
  }
}

export function registryErrors(body: Buffer): Array<{ code: string; message: string }> {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    return (parsed.errors ?? []).map((e) => ({ code: String(e.code ?? ''), message: String(e.message ?? '') }));
  } catch {
    return [];
  }
}

function httpError(what: string, res: HttpResponse, code: ErrorCode = res.status === 401 ? 'ERR_AUTH_REJECTED' : 'ERR_REGISTRY_HTTP'): RegistryHttpError {
  const errors = registryErrors(res.body);
  const text = res.body.toString('utf8').replace(/\s+/g, ' ').trim();
  const detail = errors.length > 0 ? errors.map((e) => `${e.code}: ${e.message}`).join('; ') : text === '' ? 'empty body' : text.slice(0, 200);
  return new RegistryHttpError(code, res.status, errors, `${what}: HTTP ${res.status}: ${detail}`);
}

const param = (c: Challenge, name: string): string | undefined => c.params[name];

export class RegistryClient {
  private readonly base: string;
  private readonly http: HttpRequester;
  private challenge: Challenge | undefined;
  private readonly authHeaders = new Map<string, string>(); // scope → Authorization
  private basicHeader: string | undefined; // Basic covers every scope

  constructor(private readonly opts: RegistryClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.http = opts.http ?? httpRequest;
    if (opts.credentials) registerSecret(opts.credentials.password, opts.credentials.username);
  }

  private request(url: string, method: string, headers: Record<string, string> = {}, body?: Buffer): Promise<HttpResponse> {
    const { tls, timeoutMs, now } = this.opts;
    return this.http(url, { method, headers, body, tls, timeoutMs, now });
  }

  async ping(): Promise<PingResult> {
    const res = await this.request(`${this.base}/v2/`, 'GET');
    const challenges = parseChallenges(res.headers['www-authenticate']);
    this.challenge = pickChallenge(challenges) ?? this.challenge;
    return {
      status: res.status,
      apiVersionHeader: headerValue(res.headers, 'docker-distribution-api-version'),
      challenges,
      date: headerValue(res.headers, 'date'),
      timing: res.timing,
    };
  }

  /** Gets the right to `scopes` (e.g. repository:app:pull,push); later calls with the same scopes use it. */
  async authenticate(scopes: string[]): Promise<AuthResult> {
    if (this.challenge === undefined) {
      const ping = await this.ping();
      if (ping.status >= 200 && ping.status < 300) return { scheme: 'none', anonymous: true };
      if (this.challenge === undefined) {
        throw new RegsetupError('ERR_AUTH_NO_CHALLENGE', `GET ${this.base}/v2/ answered HTTP ${ping.status} without a usable WWW-Authenticate challenge (Basic or Bearer realm)`);
      }
    }
    const creds = this.opts.credentials;
    const basic = creds ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` : undefined;
    if (this.challenge.scheme === 'basic') {
      if (basic === undefined) return { scheme: 'basic', anonymous: true, realm: param(this.challenge, 'realm') };
      const res = await this.request(`${this.base}/v2/`, 'GET', { authorization: basic });
      if (res.status === 401 || res.status === 403) throw httpError(`the registry rejected the credentials of ${creds!.username}`, res, 'ERR_AUTH_REJECTED');
      this.basicHeader = basic;
      return { scheme: 'basic', anonymous: false, realm: param(this.challenge, 'realm') };
    }
    return await this.bearer(this.challenge, scopes, basic);
  }

  private async bearer(challenge: Challenge, scopes: string[], basic: string | undefined): Promise<AuthResult> {
    const realm = param(challenge, 'realm');
    const service = param(challenge, 'service');
    if (realm === undefined) throw new RegsetupError('ERR_AUTH_NO_CHALLENGE', `the registry's Bearer challenge has no realm`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new RegsetupError('ERR_AUTH_REALM_UNREACHABLE', `the token realm is not a URL: ${realm}`);
    }
    if (service !== undefined) url.searchParams.set('service', service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    let res: HttpResponse;
    try {
      res = await this.request(url.toString(), 'GET', basic ? { authorization: basic } : {});
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new RegsetupError('ERR_AUTH_REALM_UNREACHABLE', `the token realm ${redact(realm)} is unreachable from here: ${why}`, {
        cause: error,
        hint: 'The registry sends clients to this URL for tokens: it must resolve and be trusted from every node (a proxy must keep the Host header).',
      });
    }
    const who = basic ? `the credentials of ${this.opts.credentials!.username}` : 'anonymous access (no credentials given)';
    if (res.status === 401 || res.status === 403) throw httpError(`the token realm ${realm} rejected ${who}`, res, basic ? 'ERR_AUTH_REJECTED' : 'ERR_AUTH_REQUIRED');
    if (res.status !== 200) throw httpError(`the token realm ${realm} failed`, res, 'ERR_AUTH_TOKEN_FAILED');
    let body: { token?: string; access_token?: string; expires_in?: number; issued_at?: string };
    try {
      body = JSON.parse(res.body.toString('utf8')) as typeof body;
    } catch {
      throw httpError(`the token realm ${realm} answered something that is not JSON`, res, 'ERR_AUTH_TOKEN_FAILED');
    }
    const token = body.token ?? body.access_token;
    if (typeof token !== 'string' || token === '') throw httpError(`the token realm ${realm} answered without a token`, res, 'ERR_AUTH_TOKEN_FAILED');
    registerSecret(token);
    for (const scope of scopes) this.authHeaders.set(scope, `Bearer ${token}`);
    return { scheme: 'bearer', token, realm, service, anonymous: basic === undefined, expiresIn: body.expires_in, issuedAt: body.issued_at };
  }

  /** One call with the auth for `scope`; on 401 authenticate (with the scope the registry asks for too) and retry once. */
  private async send(method: string, target: string, scope: string, headers: Record<string, string> = {}, body?: Buffer): Promise<HttpResponse> {
    const url = /^https?:\/\//.test(target) ? target : `${this.base}${target}`;
    const withAuth = () => {
      const auth = this.authHeaders.get(scope) ?? this.basicHeader;
      return auth === undefined ? headers : { ...headers, authorization: auth };
    };
    const first = await this.request(url, method, withAuth(), body);
    if (first.status !== 401) return first;
    const challenges = parseChallenges(first.headers['www-authenticate']);
    this.challenge = pickChallenge(challenges) ?? this.challenge;
    const asked = this.challenge ? param(this.challenge, 'scope') : undefined;
    const auth = await this.authenticate(asked !== undefined && asked !== scope ? [scope, asked] : [scope]);
    if (auth.anonymous && auth.scheme !== 'bearer') {
      throw new RegistryHttpError('ERR_AUTH_REQUIRED', 401, registryErrors(first.body), `${method} ${url}: the registry requires credentials (${auth.scheme}) and none were given`);
    }
    const second = await this.request(url, method, withAuth(), body);
    if (second.status === 401) {
      const code = auth.anonymous ? 'ERR_AUTH_REQUIRED' : 'ERR_AUTH_REJECTED';
      throw httpError(`${method} ${url} (${auth.anonymous ? 'anonymous' : `as ${this.opts.credentials!.username}`}, scope ${scope})`, second, code);
    }
    return second;
  }

  /**
   * Starts a blob upload and cancels it: proves push is accepted without pushing anything.
   * A group or proxy endpoint refuses here in milliseconds, where dockerd retries for ~50 s.
   */
  async probeUpload(repo: string): Promise<{ status: number }> {
    const res = await this.send('POST', `/v2/${repo}/blobs/uploads/`, `repository:${repo}:pull,push`);
    if (res.status !== 202) throw httpError(`push to ${this.base}/v2/${repo}/ refused: POST blob upload`, res);
    const location = headerValue(res.headers, 'location');
    if (location !== undefined) {
      await this.send('DELETE', new URL(location, this.base).toString(), `repository:${repo}:pull,push`).catch(() => undefined);
    }
    return { status: res.status };
  }

  async headManifest(repo: string, reference: string): Promise<{ status: number; digest?: string; mediaType?: string }> {
    const res = await this.send('HEAD', `/v2/${repo}/manifests/${reference}`, `repository:${repo}:pull`, { accept: MANIFEST_ACCEPT });
    if (res.status === 404) return { status: 404 };
    if (res.status !== 200) throw httpError(`HEAD manifest ${repo}:${reference}`, res);
    return { status: res.status, digest: headerValue(res.headers, 'docker-content-digest'), mediaType: headerValue(res.headers, 'content-type') };
  }

  /** Monolithic blob uploads (skipping blobs already there), then the manifest under `tag`. */
  async pushImage(
    repo: string,
    tag: string,
    image: { config: Buffer; layers: Buffer[]; manifest?: Buffer },
  ): Promise<{ digest: string; uploaded: string[]; skipped: string[] }> {
    const scope = `repository:${repo}:pull,push`;
    const uploaded: string[] = [];
    const skipped: string[] = [];
    for (const blob of [...image.layers, image.config]) {
      const digest = sha256Digest(blob);
      const head = await this.send('HEAD', `/v2/${repo}/blobs/${digest}`, scope);
      if (head.status === 200) {
        skipped.push(digest);
        continue;
      }
      const start = await this.send('POST', `/v2/${repo}/blobs/uploads/`, scope, {}, Buffer.alloc(0));
      const location = headerValue(start.headers, 'location');
      if (start.status !== 202) throw httpError(`POST ${repo} blob upload`, start);
      if (location === undefined) throw httpError(`POST ${repo} blob upload answered 202 without a Location`, start);
      // Location may be relative and may carry its own query (upload state): append, never rebuild.
      const target = new URL(location, `${this.base}/`).toString();
      const put = `${target}${target.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
      const done = await this.send('PUT', put, scope, { 'content-type': 'application/octet-stream' }, blob);
      if (done.status !== 201) throw httpError(`PUT blob ${digest} (${blob.length} bytes) to ${repo}`, done);
      uploaded.push(digest);
    }
    const manifest = image.manifest ?? buildSchema2Manifest(image.config, image.layers);
    const res = await this.send('PUT', `/v2/${repo}/manifests/${tag}`, scope, { 'content-type': MEDIA_TYPES.manifest }, manifest);
    if (res.status !== 201) throw httpError(`PUT manifest ${repo}:${tag}`, res);
    return { digest: headerValue(res.headers, 'docker-content-digest') ?? sha256Digest(manifest), uploaded, skipped };
  }

  /** Deleting is often disabled (distribution's default, Nexus policies): a refusal is an answer, not a failure. */
  async deleteManifest(repo: string, digest: string): Promise<{ deleted: boolean; status: number; reason?: string }> {
    const res = await this.send('DELETE', `/v2/${repo}/manifests/${digest}`, `repository:${repo}:delete`);
    if (res.status === 202 || res.status === 200) return { deleted: true, status: res.status };
    if ([403, 404, 405].includes(res.status)) {
      const errors = registryErrors(res.body);
      const unsupported = res.status === 405 || errors.some((e) => e.code === 'UNSUPPORTED');
      const detail = errors.map((e) => `${e.code}: ${e.message}`).join('; ') || 'no error body';
      const reason = unsupported ? `the registry does not allow deletes (HTTP ${res.status}: ${detail})` : `HTTP ${res.status}: ${detail}`;
      return { deleted: false, status: res.status, reason };
    }
    throw httpError(`DELETE manifest ${repo}@${digest}`, res);
  }
}

// Docker tries the token handler before Basic; so do we.
function pickChallenge(challenges: Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}
