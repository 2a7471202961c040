#!/usr/bin/env node
// regsetup lab: a small Docker registry token service (the "Bearer realm").
//
// Issues RS256 JWTs with an x5c header (the signing certificate, base64 DER), which
// distribution 2.8 (`auth.token` with `rootcertbundle` = that certificate) accepts.
//
//   GET  /token?service=…&scope=…[&scope=…][&account=…]   (Basic auth optional)
//   POST /token  (application/x-www-form-urlencoded, OAuth2: grant_type=password|refresh_token)
//   GET  /healthz
//
// Anonymous callers get `pull` only; users from the users file get what the file allows:
//   {"admin": {"password": "…", "push": true}, "reader": {"password": "…", "push": false}}
// push:true  → every requested action (pull, push, delete, *), and registry:catalog:*
// push:false → pull only.
// A wrong password is a 401.
//
// Usage: node token-server.mjs --listen 10.213.0.18:443 --cert auth.crt --key auth.key \
//          --sign-cert token.crt --sign-key token.key --users users.json \
//          --issuer regsetup-lab-token --service regsetup-lab
// Only node: builtins; runs on Node 20 and 24.
import https from 'node:https';
import http from 'node:http';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { URLSearchParams } from 'node:url';
import { parseArgs } from './args.mjs';

const args = parseArgs(process.argv.slice(2));
for (const k of ['listen', 'sign-cert', 'sign-key', 'users', 'issuer', 'service']) {
  if (!args[k]) {
    console.error(`token-server: missing --${k}`);
    process.exit(2);
  }
}
const [listenHost, listenPortRaw] = args.listen.split(/:(?=\d+$)/);
const listenPort = Number(listenPortRaw);
const issuer = args.issuer;
const service = args.service;
const ttl = Number(args.ttl ?? 300);

const signKey = crypto.createPrivateKey(fs.readFileSync(args['sign-key']));
const signCertPem = fs.readFileSync(args['sign-cert'], 'utf8');
const signCertDer = new crypto.X509Certificate(signCertPem).raw;
const x5c = [signCertDer.toString('base64')];
// Refresh tokens are HMACs over the user name, keyed from the signing key: they survive restarts.
const refreshSecret = crypto.createHash('sha256').update(signKey.export({ type: 'pkcs8', format: 'der' })).digest();

function loadUsers() {
  // Re-read on every request: tests may change the file.
  return JSON.parse(fs.readFileSync(args.users, 'utf8'));
}

const b64url = (buf) => Buffer.from(buf).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

function signJwt(claims) {
  const header = { typ: 'JWT', alg: 'RS256', x5c };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const sig = crypto.sign('RSA-SHA256', Buffer.from(input), signKey);
  return `${input}.${b64url(sig)}`;
}

function makeRefreshToken(user) {
  const mac = crypto.createHmac('sha256', refreshSecret).update(user).digest('hex');
  return `rt.${Buffer.from(user).toString('hex')}.${mac}`;
}

function checkRefreshToken(token) {
  const m = /^rt\.([0-9a-f]+)\.([0-9a-f]{64})$/.exec(token ?? '');
  if (!m) return null;
  const user = Buffer.from(m[1], 'hex').toString();
  const mac = crypto.createHmac('sha256', refreshSecret).update(user).digest('hex');
  if (!crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(m[2]))) return null;
  return loadUsers()[user] ? user : null;
}

/** "repository:a/b:pull,push" → {type, name, actions}; the name may itself hold ':' (host:port/x). */
function parseScope(s) {
  const first = s.indexOf(':');
  const last = s.lastIndexOf(':');
  if (first < 0 || last === first) return null;
  return {
    type: s.slice(0, first),
    name: s.slice(first + 1, last),
    actions: s
      .slice(last + 1)
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
  };
}

function grant(scope, user, users) {
  const canPush = user !== null && users[user]?.push === true;
  let allowed;
  if (scope.type === 'repository' || scope.type.startsWith('repository(')) {
    allowed = canPush ? scope.actions : scope.actions.filter((a) => a === 'pull');
  } else if (scope.type === 'registry' && scope.name === 'catalog') {
    allowed = canPush ? scope.actions : [];
  } else {
    allowed = [];
  }
  return { type: scope.type, name: scope.name, actions: allowed };
}

function issue(res, user, scopes, { refresh } = {}) {
  const users = loadUsers();
  const now = Math.floor(Date.now() / 1000);
  const access = scopes.map(parseScope).filter(Boolean).map((s) => grant(s, user, users));
  const claims = {
    iss: issuer,
    sub: user ?? '',
    aud: service,
    exp: now + ttl,
    nbf: now - 5,
    iat: now,
    jti: crypto.randomBytes(12).toString('hex'),
    access,
  };
  const token = signJwt(claims);
  const body = { token, access_token: token, expires_in: ttl, issued_at: new Date(now * 1000).toISOString() };
  if (refresh && user) body.refresh_token = makeRefreshToken(user);
  log(`issued user=${user ?? '<anonymous>'} access=${JSON.stringify(access)}`);
  send(res, 200, body);
}

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function unauthorized(res, message) {
  log(`401 ${message}`);
  send(
    res,
    401,
    { errors: [{ code: 'UNAUTHORIZED', message, detail: null }], details: message },
    { 'WWW-Authenticate': 'Basic realm="regsetup-lab token service"' },
  );
}

function log(msg) {
  console.log(`${new Date().toISOString()} ${msg}`);
}

/** Basic auth → user name, null for anonymous, false for bad credentials. */
function basicUser(req) {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Basic\s+(.+)$/i.exec(h);
  if (!m) return null; // a Bearer header here is ignored: anonymous
  const decoded = Buffer.from(m[1], 'base64').toString();
  const i = decoded.indexOf(':');
  if (i < 0) return false;
  return checkPassword(decoded.slice(0, i), decoded.slice(i + 1));
}

function checkPassword(user, password) {
  const entry = loadUsers()[user];
  if (!entry) return false;
  const a = Buffer.from(String(entry.password));
  const b = Buffer.from(String(password ?? ''));
  return a.length === b.length && crypto.timingSafeEqual(a, b) ? user : false;
}

function splitScopes(values) {
  return values.flatMap((v) => v.split(' ')).filter(Boolean);
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString();
}

async function handle(req, res) {
  const url = new URL(req.url ?? '/', 'https://token.invalid');
  log(`${req.method} ${url.pathname}${url.search} auth=${req.headers.authorization ? req.headers.authorization.split(' ')[0] : '-'}`);
  if (url.pathname === '/healthz') return send(res, 200, { ok: true });
  if (!url.pathname.endsWith('/token')) return send(res, 404, { errors: [{ code: 'NOT_FOUND', message: 'not found' }] });

  if (req.method === 'GET') {
    const svc = url.searchParams.get('service');
    if (svc && svc !== service) return send(res, 400, { errors: [{ code: 'INVALID_SERVICE', message: `unknown service ${svc}` }] });
    const user = basicUser(req);
    if (user === false) return unauthorized(res, 'authentication failed');
    const account = url.searchParams.get('account');
    if (user && account && account !== user) return unauthorized(res, 'account does not match the credentials');
    return issue(res, user, splitScopes(url.searchParams.getAll('scope')), { refresh: false });
  }

  if (req.method === 'POST') {
    const form = new URLSearchParams(await readBody(req));
    const svc = form.get('service');
    if (svc && svc !== service) return send(res, 400, { error: 'invalid_request', error_description: `unknown service ${svc}` });
    const scopes = splitScopes(form.getAll('scope'));
    const grantType = form.get('grant_type');
    if (grantType === 'password') {
      const user = checkPassword(form.get('username') ?? '', form.get('password') ?? '');
      if (!user) return unauthorized(res, 'authentication failed');
      return issue(res, user, scopes, { refresh: form.get('access_type') === 'offline' });
    }
    if (grantType === 'refresh_token') {
      const user = checkRefreshToken(form.get('refresh_token'));
      if (!user) return unauthorized(res, 'invalid refresh token');
      return issue(res, user, scopes, { refresh: true });
    }
    return send(res, 400, { error: 'unsupported_grant_type', error_description: `grant_type ${grantType}` });
  }

  return send(res, 405, { errors: [{ code: 'UNSUPPORTED', message: 'method not allowed' }] });
}

const handler = (req, res) => {
  handle(req, res).catch((err) => {
    log(`500 ${err?.stack ?? err}`);
    if (!res.headersSent) send(res, 500, { errors: [{ code: 'UNKNOWN', message: String(err) }] });
    else res.destroy();
  });
};

const server =
  args.cert && args.key
    ? https.createServer({ cert: fs.readFileSync(args.cert), key: fs.readFileSync(args.key) }, handler)
    : http.createServer(handler);
server.listen(listenPort, listenHost, () => log(`token server listening on ${args.listen} (${args.cert ? 'https' : 'http'})`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
