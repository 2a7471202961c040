// Drift repaired: N hand edits of daemon.json (the mirror removed), each timed until dockerd's
// own /info shows the mirror again. Prints p50 and p95 in ms. Usage: node agent-drift.mjs MIRROR [N]
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';

const [mirror, n = '20'] = process.argv.slice(2);
const path = '/etc/docker/daemon.json';
const socketPath = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');
const info = () => new Promise((resolve, reject) => {
  request({ socketPath, path: '/info' }, (res) => {
    let body = '';
    res.on('data', (c) => (body += c));
    res.on('end', () => resolve(JSON.parse(body)));
  }).on('error', reject).end();
});
const hasMirror = async () => ((await info()).RegistryConfig?.Mirrors ?? []).some((m) => m.replace(/\/+$/, '') === mirror.replace(/\/+$/, ''));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const times = [];
for (let i = 0; i < Number(n); i++) {
  while (!(await hasMirror())) await sleep(20);
  await sleep(500); // the agent's own events of the last repair are over
  const config = JSON.parse(readFileSync(path, 'utf8'));
  config['registry-mirrors'] = (config['registry-mirrors'] ?? []).filter((m) => m.replace(/\/+$/, '') !== mirror.replace(/\/+$/, ''));
  const start = Date.now();
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
  // dockerd still shows the mirror until the agent's file is reloaded: wait for the file first, then the daemon.
  while (!readFileSync(path, 'utf8').includes(mirror)) await sleep(5);
  while (!(await hasMirror())) await sleep(5);
  times.push(Date.now() - start);
}
times.sort((a, b) => a - b);
const pct = (p) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)];
console.log(`${pct(50)} ${pct(95)} ${times.join(',')}`);
