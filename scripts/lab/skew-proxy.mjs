#!/usr/bin/env node
// regsetup lab: a TLS front whose HTTP `Date` header is skewed (default +3 h).
//
// Terminates TLS with its own certificate, forwards every request (method, path, headers,
// body, Host kept) to an upstream HTTPS registry, streams the answer back and rewrites
// `Date` to now + skew. faketime cannot touch Go binaries, hence this proxy.
//
// Usage: node skew-proxy.mjs --listen 10.213.0.17:443 --cert skew.crt --key skew.key \
//          --upstream https://10.213.0.12:443 [--skew-seconds 10800] [--upstream-ca ca.crt]
// Only node: builtins; runs on Node 20 and 24.
import https from 'node:https';
import fs from 'node:fs';
import { parseArgs } from './args.mjs';

const args = parseArgs(process.argv.slice(2));
for (const k of ['listen', 'cert', 'key', 'upstream']) {
  if (!args[k]) {
    console.error(`skew-proxy: missing --${k}`);
    process.exit(2);
  }
}
const [listenHost, listenPort] = args.listen.split(/:(?=\d+$)/);
const skewMs = Number(args['skew-seconds'] ?? 10800) * 1000;
const upstream = new URL(args.upstream);
const upstreamCa = args['upstream-ca'] ? fs.readFileSync(args['upstream-ca']) : undefined;
const agent = new https.Agent({ keepAlive: true, maxSockets: 32 });

const log = (msg) => console.log(`${new Date().toISOString()} ${msg}`);
const skewedDate = () => new Date(Date.now() + skewMs).toUTCString();

const server = https.createServer({ cert: fs.readFileSync(args.cert), key: fs.readFileSync(args.key) }, (req, res) => {
  const headers = { ...req.headers };
  delete headers.connection;
  headers['x-forwarded-proto'] = 'https';
  headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
  const up = https.request(
    {
      protocol: upstream.protocol,
      hostname: upstream.hostname,
      port: upstream.port || 443,
      method: req.method,
      path: req.url,
      headers,
      agent,
      // The upstream's certificate names the upstream's own host, not the one the client asked for.
      rejectUnauthorized: upstreamCa !== undefined,
      ca: upstreamCa,
      servername: upstreamCa ? upstream.hostname : undefined,
    },
    (upRes) => {
      const out = { ...upRes.headers };
      delete out.connection;
      delete out['keep-alive'];
      out.date = skewedDate();
      res.sendDate = false;
      res.writeHead(upRes.statusCode ?? 502, out);
      upRes.pipe(res);
      log(`${req.method} ${req.url} → ${upRes.statusCode}`);
    },
  );
  up.on('error', (err) => {
    log(`upstream error for ${req.method} ${req.url}: ${err.message}`);
    if (!res.headersSent) {
      res.writeHead(502, { 'Content-Type': 'text/plain', Date: skewedDate() });
      res.end(`skew-proxy: upstream error: ${err.message}\n`);
    } else res.destroy();
  });
  req.pipe(up);
});
server.listen(Number(listenPort), listenHost, () => log(`skew proxy on ${args.listen} → ${args.upstream}, skew ${skewMs / 1000}s`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
