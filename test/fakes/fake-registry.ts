// A minimal in-memory registry (distribution's behaviour where our client depends on it)
// on a loopback port, plus a throwaway PKI made with openssl, for the host/ HTTP tests.
import { execFileSync } from 'node:child_process';
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type LeafName = 'good' | 'viaIntermediate' | 'expired' | 'wrongName' | 'noSan';

export interface TestPki {
  ca: string;
  caKey: string;
  intermediate: string;
  /** Only the leaves asked for exist; good = SAN 127.0.0.1 + localhost. */
  leaves: Record<LeafName, { cert: string; key: string }>;
}

/** A CA, an intermediate and server certificates, EC keys so it takes well under a second. */
export function makeTestPki(only: LeafName[] = ['good', 'viaIntermediate', 'expired', 'wrongName', 'noSan']): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'regsetup-pki-'));
  try {
    return issueAll(dir, only);
  } finally {
    rmSync(dir, { recursive: true, force: true }); // everything is in memory by now
  }
}

function issueAll(dir: string, only: LeafName[]): TestPki {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=regsetup test CA', '-days', '3', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const issue = (name: string, subject: string, days: string, exts: string[], issuer = 'ca') => {
    ssl('req', '-new', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject, ...exts.flatMap((e) => ['-addext', e]));
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-set_serial', String(randomInt(1, 2 ** 47)), '-days', days, '-copy_extensions', 'copy', '-out', `${name}.crt`);
    return { cert: readFileSync(join(dir, `${name}.crt`), 'utf8'), key: readFileSync(join(dir, `${name}.key`), 'utf8') };
  };
  const intermediate = issue('int', '/CN=regsetup test intermediate', '3', ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign']);
  const san = 'subjectAltName=IP:127.0.0.1,DNS:localhost';
  const make: Record<LeafName, () => { cert: string; key: string }> = {
    good: () => issue('good', '/CN=localhost', '2', [san]),
    viaIntermediate: () => {
      const via = issue('via', '/CN=localhost', '2', [san], 'int');
      return { cert: via.cert + intermediate.cert, key: via.key };
    },
    // -days -1 puts notAfter a day before notBefore: expired for any real clock.
    expired: () => issue('expired', '/CN=localhost', '-1', [san]),
    wrongName: () => issue('wrong', '/CN=wrong.example', '2', ['subjectAltName=DNS:wrong.example']),
    noSan: () => issue('nosan', '/CN=localhost', '2', []),
  };
  const leaves = Object.fromEntries(only.map((name) => [name, make[name]()])) as TestPki['leaves'];
  return { ca: readFileSync(join(dir, 'ca.crt'), 'utf8'), caKey: readFileSync(join(dir, 'ca.key'), 'utf8'), intermediate: intermediate.cert, leaves };
}

export interface FakeRegistryOptions {
  auth?: 'none' | 'basic' | 'bearer';
  users?: Record<string, string>;
  anonymousPull?: boolean;
  deleteEnabled?: boolean;
  tls?: { cert: string; key: string };
  /** Overrides the realm in the Bearer challenge (e.g. an unreachable one). */
  realm?: string;
  /** Static files served on GET outside /v2/ (e.g. a CA at /ca.crt, as Nexus and Harbor publish one). */
  files?: Record<string, string>;
}

type Grant = { user?: string; access: Set<string> }; // "repo:action"
const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export class FakeRegistry {
  readonly blobs = new Map<string, Buffer>();
  readonly manifests = new Map<string, { body: Buffer; contentType: string }>(); // digest → manifest
  readonly tags = new Map<string, string>(); // "repo:tag" → digest
  readonly log: Array<{ method: string; url: string; authorization?: string }> = [];
  private readonly tokens = new Map<string, Grant>();
  private server!: Server;
  url = '';

  private constructor(private readonly opts: FakeRegistryOptions) {}

  static async start(opts: FakeRegistryOptions = {}): Promise<FakeRegistry> {
    const registry = new FakeRegistry(opts);
    const handler = (req: IncomingMessage, res: ServerResponse) => void registry.handle(req, res);
    registry.server = opts.tls ? createHttpsServer(opts.tls, handler) : createHttpServer(handler);
    await new Promise<void>((resolve) => registry.server.listen(0, '127.0.0.1', resolve));
    const { port } = registry.server.address() as AddressInfo;
    registry.url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    return registry;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    this.log.push({ method, url: url.pathname + url.search, authorization: req.headers.authorization });
    const send = (status: number, headers: Record<string, string> = {}, payload?: string | Buffer) => {
      res.writeHead(status, { 'docker-distribution-api-version': 'registry/2.0', ...headers });
      res.end(method === 'HEAD' ? undefined : payload);
    };
    const fail = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
      send(status, { 'content-type': 'application/json', ...headers }, JSON.stringify({ errors: [{ code, message, detail: null }] }));

    if (url.pathname === '/token') return this.token(req, url, send, fail);
    const file = this.opts.files?.[url.pathname];
    if (file !== undefined && method === 'GET') return send(200, { 'content-type': 'application/x-pem-file' }, file);
    const m = /^\/v2\/(.+)\/(blobs\/uploads\/|blobs\/uploads\/[^/]+|blobs\/sha256:[a-f0-9]{64}|manifests\/[^/]+)$/.exec(url.pathname);
    if (url.pathname !== '/v2/' && m === null) return fail(404, 'NOT_FOUND', 'no route');
    const [repo, rest] = m ? [m[1]!, m[2]!] : ['', ''];
    const action = method === 'DELETE' ? 'delete' : method === 'GET' || method === 'HEAD' ? 'pull' : 'push';
    const denied = this.check(req.headers.authorization, repo, action);
    if (denied !== undefined) return fail(401, 'UNAUTHORIZED', 'authentication required', { 'www-authenticate': denied });

    if (url.pathname === '/v2/') return send(200, { 'content-type': 'application/json' }, '{}');
    if (rest === 'blobs/uploads/' && method === 'POST') {
      return send(202, { location: `/v2/${repo}/blobs/uploads/${randomUUID()}?_state=opaque%2Bstate`, 'content-length': '0' });
    }
    if (rest.startsWith('blobs/uploads/') && method === 'PUT') {
      if (url.searchParams.get('_state') !== 'opaque+state') return fail(400, 'BLOB_UPLOAD_INVALID', 'upload state lost');
      const digest = url.searchParams.get('digest') ?? '';
      if (sha256(body) !== digest) return fail(400, 'DIGEST_INVALID', 'provided digest did not match uploaded content');
      this.blobs.set(digest, body);
      return send(201, { location: `/v2/${repo}/blobs/${digest}`, 'docker-content-digest': digest });
    }
    if (rest.startsWith('blobs/sha256:')) {
      const blob = this.blobs.get(rest.slice(6));
      return blob ? send(200, { 'content-length': String(blob.length), 'docker-content-digest': rest.slice(6) }, blob) : fail(404, 'BLOB_UNKNOWN', 'blob unknown to registry');
    }
    const ref = rest.slice('manifests/'.length);
    if (method === 'PUT') {
      const parsed = JSON.parse(body.toString('utf8')) as { config: { digest: string }; layers: Array<{ digest: string }> };
      const missing = [parsed.config, ...parsed.layers].find((d) => !this.blobs.has(d.digest));
      if (missing) return fail(400, 'MANIFEST_BLOB_UNKNOWN', `blob unknown to registry: ${missing.digest}`);
      const digest = sha256(body);
      this.manifests.set(digest, { body, contentType: req.headers['content-type'] ?? '' });
      this.tags.set(`${repo}:${ref}`, digest);
      return send(201, { location: `/v2/${repo}/manifests/${digest}`, 'docker-content-digest': digest });
    }
    const digest = ref.startsWith('sha256:') ? ref : this.tags.get(`${repo}:${ref}`);
    const manifest = digest === undefined ? undefined : this.manifests.get(digest);
    if (manifest === undefined || digest === undefined) return fail(404, 'MANIFEST_UNKNOWN', 'manifest unknown');
    if (method === 'DELETE') {
      if (!this.opts.deleteEnabled) return fail(405, 'UNSUPPORTED', 'The operation is unsupported.');
      this.manifests.delete(digest);
      return send(202);
    }
    return send(200, { 'content-type': manifest.contentType, 'docker-content-digest': digest, 'content-length': String(manifest.body.length) }, manifest.body);
  }

  private users(header: string | undefined): string | undefined | false {
    if (header === undefined || !header.startsWith('Basic ')) return undefined;
    const [user, ...pw] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
    return user !== undefined && this.opts.users?.[user] === pw.join(':') ? user : false;
  }

  /** undefined when allowed, else the WWW-Authenticate challenge to send. */
  private check(header: string | undefined, repo: string, action: string): string | undefined {
    const auth = this.opts.auth ?? 'none';
    if (auth === 'none') return undefined;
    if (auth === 'basic') return typeof this.users(header) === 'string' ? undefined : 'Basic realm="fake registry"';
    const grant = header?.startsWith('Bearer ') ? this.tokens.get(header.slice(7)) : undefined;
    if (grant !== undefined && (repo === '' || grant.access.has(`${repo}:${action}`))) return undefined;
    const realm = this.opts.realm ?? `${this.url}/token`;
    const scope = repo === '' ? '' : `,scope="repository:${repo}:${action}"`;
    return `Bearer realm="${realm}",service="fake-registry"${scope}${grant ? ',error="insufficient_scope"' : ''}`;
  }

  private token(req: IncomingMessage, url: URL, send: (s: number, h?: Record<string, string>, p?: string) => void, fail: (s: number, c: string, m: string) => void): void {
    const user = this.users(req.headers.authorization);
    if (user === false) return fail(401, 'UNAUTHORIZED', 'authentication failed');
    const access = new Set<string>();
    for (const scope of url.searchParams.getAll('scope')) {
      const [, repo, actions] = /^repository:(.+):([a-z,*]+)$/.exec(scope) ?? [];
      for (const action of actions?.split(',') ?? []) {
        if (user !== undefined || (action === 'pull' && this.opts.anonymousPull)) access.add(`${repo}:${action}`);
      }
    }
    if (user === undefined && !this.opts.anonymousPull) return fail(401, 'UNAUTHORIZED', 'anonymous access denied');
    const token = randomUUID();
    this.tokens.set(token, { user, access });
    send(200, { 'content-type': 'application/json' }, JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  }
}
