#!/usr/bin/env node
// regsetup lab: build tiny runnable images by hand (Docker schema2) and push them to the
// lab's "Docker Hub" with plain registry HTTP calls. No internet, no docker needed.
//
//   library/alpine:latest       one layer: a static busybox in /bin (+ sh, echo, cat… links); Cmd /bin/sh
//   library/hello-world:latest  the same layer + /hello.txt; Cmd cat /hello.txt
//
// Usage: node seed-hub.mjs --registry https://hub.regsetup.test --ca ca.crt --busybox /bin/busybox
// Prints one JSON line per image: {"ref": "...", "digest": "sha256:..."}.
// Only node: builtins; runs on Node 20 and 24.
import https from 'node:https';
import http from 'node:http';
import fs from 'node:fs';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { parseArgs } from './args.mjs';

const args = parseArgs(process.argv.slice(2));
const base = new URL(args.registry ?? 'https://hub.regsetup.test');
const ca = args.ca ? fs.readFileSync(args.ca) : undefined;
const busybox = fs.readFileSync(args.busybox ?? '/bin/busybox');

const MT = {
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  config: 'application/vnd.docker.container.image.v1+json',
  layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
};
const sha256 = (buf) => `sha256:${crypto.createHash('sha256').update(buf).digest('hex')}`;

// ---- a minimal, deterministic ustar writer --------------------------------------------
function tarHeader({ name, mode, size = 0, type, linkname = '' }) {
  const h = Buffer.alloc(512, 0);
  const put = (str, off, len) => h.write(str, off, Math.min(Buffer.byteLength(str), len), 'utf8');
  const oct = (n, len) => `${n.toString(8).padStart(len - 1, '0')}\0`;
  if (Buffer.byteLength(name) > 100) throw new Error(`tar name too long: ${name}`);
  put(name, 0, 100);
  put(oct(mode, 8), 100, 8);
  put(oct(0, 8), 108, 8); // uid
  put(oct(0, 8), 116, 8); // gid
  put(oct(size, 12), 124, 12);
  put(oct(946684800, 12), 136, 12); // mtime 2000-01-01
  put('        ', 148, 8); // checksum placeholder
  put(type, 156, 1);
  put(linkname, 157, 100);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put('root', 265, 32);
  put('root', 297, 32);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}

function tar(entries) {
  const parts = [];
  for (const e of entries) {
    if (e.type === 'dir') parts.push(tarHeader({ name: e.name.endsWith('/') ? e.name : `${e.name}/`, mode: e.mode ?? 0o755, type: '5' }));
    else if (e.type === 'symlink') parts.push(tarHeader({ name: e.name, mode: 0o777, type: '2', linkname: e.target }));
    else {
      parts.push(tarHeader({ name: e.name, mode: e.mode ?? 0o644, size: e.data.length, type: '0' }));
      parts.push(e.data);
      const pad = (512 - (e.data.length % 512)) % 512;
      if (pad) parts.push(Buffer.alloc(pad, 0));
    }
  }
  parts.push(Buffer.alloc(1024, 0));
  return Buffer.concat(parts);
}

function layer(entries) {
  const raw = tar(entries);
  const gz = zlib.gzipSync(raw, { level: 9 }); // node's gzip header has mtime 0: deterministic
  return { raw, gz, diffId: sha256(raw), digest: sha256(gz), size: gz.length };
}

// ---- registry HTTP ----------------------------------------------------------------------
function request(method, url, { headers = {}, body } = {}) {
  const u = new URL(url, base);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      u,
      { method, headers: { ...headers, ...(body ? { 'Content-Length': body.length } : {}) }, ca, timeout: 30_000 },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${u}`)));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

async function pushBlob(repo, buf, digest) {
  const head = await request('HEAD', `/v2/${repo}/blobs/${digest}`);
  if (head.status === 200) return;
  const start = await request('POST', `/v2/${repo}/blobs/uploads/`);
  if (start.status !== 202) throw new Error(`POST upload ${repo}: ${start.status} ${start.body}`);
  const loc = new URL(start.headers.location, base);
  loc.searchParams.set('digest', digest);
  const put = await request('PUT', loc.toString(), { headers: { 'Content-Type': 'application/octet-stream' }, body: buf });
  if (put.status !== 201) throw new Error(`PUT blob ${repo} ${digest}: ${put.status} ${put.body}`);
}

async function pushImage(repo, tag, layers, cmd) {
  const arch = { x64: 'amd64', arm64: 'arm64', arm: 'arm', s390x: 's390x', ppc64: 'ppc64le' }[process.arch] ?? process.arch;
  const config = Buffer.from(
    JSON.stringify({
      architecture: arch,
      os: 'linux',
      created: '2000-01-01T00:00:00Z',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: cmd, WorkingDir: '/' },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map(() => ({ created: '2000-01-01T00:00:00Z', created_by: 'regsetup-lab seed-hub.mjs' })),
    }),
  );
  for (const l of layers) await pushBlob(repo, l.gz, l.digest);
  await pushBlob(repo, config, sha256(config));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.manifest,
      config: { mediaType: MT.config, size: config.length, digest: sha256(config) },
      layers: layers.map((l) => ({ mediaType: MT.layer, size: l.size, digest: l.digest })),
    }),
  );
  const put = await request('PUT', `/v2/${repo}/manifests/${tag}`, { headers: { 'Content-Type': MT.manifest }, body: manifest });
  if (put.status !== 201) throw new Error(`PUT manifest ${repo}:${tag}: ${put.status} ${put.body}`);
  return sha256(manifest);
}

const applets = ['sh', 'echo', 'cat', 'ls', 'sleep', 'true', 'false', 'env', 'id', 'wget', 'uname', 'date', 'hostname', 'mkdir', 'rm'];
const busyboxLayer = layer([
  { type: 'dir', name: 'bin' },
  { type: 'file', name: 'bin/busybox', data: busybox, mode: 0o755 },
  ...applets.map((a) => ({ type: 'symlink', name: `bin/${a}`, target: 'busybox' })),
  { type: 'dir', name: 'etc' },
  { type: 'file', name: 'etc/os-release', data: Buffer.from('NAME="regsetup lab busybox"\nID=regsetup-lab\n') },
  { type: 'dir', name: 'tmp', mode: 0o1777 },
]);
const helloLayer = layer([
  { type: 'file', name: 'hello.txt', data: Buffer.from('Hello from the regsetup lab (a local stand-in for Docker Hub).\n') },
]);

const images = [
  { repo: 'library/alpine', tag: 'latest', layers: [busyboxLayer], cmd: ['/bin/sh'] },
  { repo: 'library/hello-world', tag: 'latest', layers: [busyboxLayer, helloLayer], cmd: ['/bin/cat', '/hello.txt'] },
];
for (const img of images) {
  const digest = await pushImage(img.repo, img.tag, img.layers, img.cmd);
  console.log(JSON.stringify({ ref: `${img.repo}:${img.tag}`, digest }));
}
