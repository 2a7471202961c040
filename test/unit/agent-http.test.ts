import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handle } from '../../src/agent/http-handlers.js';
import { getOverSocket, startAgentServer } from '../../src/host/agent-server.js';
import { DAEMON_JSON } from './helpers/join-fixtures.js';
import { agentNode } from './helpers/agent-fixtures.js';

/** A strict reader of the Prometheus text format (0.0.4): every line a comment, a sample, or empty. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(meta[3]!)) throw new Error(`bad TYPE: ${line}`);
        typed.add(meta[2]!);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|NaN|\+Inf|-Inf))(?: \d+)?$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    if (!typed.has(m[1]!)) throw new Error(`sample before its TYPE: ${line}`);
    samples.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return samples;
}

describe('the agent socket', () => {
  it('answers /healthz (200, then 503 with the finding), /livez (200 all along), /metrics in Prometheus text, /status; the socket is 0660', async () => {
    const node = agentNode({ daemonJson: '{}\n' });
    await node.agent.load();
    await node.agent.run({ kind: 'full', trigger: 'start', paths: [] });
    const dir = await mkdtemp(join(tmpdir(), 'regsetup-sock-'));
    const socketPath = join(dir, 'run/agent.sock');
    const server = await startAgentServer((m, p) => handle(node.agent.view(), m, p), { socketPath, listen: '127.0.0.1:0' });
    try {
      expect(((await stat(socketPath)).mode & 0o777).toString(8)).toBe('660');
      const ok = await getOverSocket(socketPath, '/healthz');
      expect(ok).toMatchObject({ status: 200 });
      node.write(DAEMON_JSON, '{\n  "a": 1,\n}\n');
      await node.agent.run({ kind: 'quick', trigger: 'watch', paths: [DAEMON_JSON] });
      const bad = await getOverSocket(socketPath, '/healthz');
      expect(bad?.status).toBe(503);
      expect(JSON.parse(bad!.body).findings[0]).toMatchObject({ code: 'ERR_DAEMON_JSON_MALFORMED', message: expect.stringContaining('line 3') });
      const metrics = parsePrometheus((await getOverSocket(socketPath, '/metrics'))!.body);
      expect(metrics.get('regsetup_converge_runs_total{trigger="start"}')).toBe(1);
      expect(metrics.get('regsetup_converge_failures_total{trigger="watch"}')).toBe(1);
      expect(metrics.get('regsetup_healthy')).toBe(0);
      expect(metrics.get('regsetup_clock_skew_seconds{registry="nexus.example.com"}')).toBe(0);
      expect([...metrics.keys()].some((k) => k.startsWith('regsetup_verify_step_duration_seconds{registry="nexus.example.com",step="plan"}'))).toBe(true);
      expect(JSON.parse((await getOverSocket(socketPath, '/status'))!.body)).toMatchObject({ ok: false, registries: ['nexus.example.com'] });
      expect((await getOverSocket(socketPath, '/nope'))?.status).toBe(404);
      const tcp = await fetch(`http://127.0.0.1:${server.tcp!.port}/healthz`);
      expect(tcp.status).toBe(503);
      // Liveness is not health: a node that is not converged keeps its agent (the kubelet's livenessProbe).
      const live = await fetch(`http://127.0.0.1:${server.tcp!.port}/livez`);
      expect([live.status, await live.json()]).toEqual([200, { ok: true }]);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
    expect(await getOverSocket(socketPath, '/healthz')).toBeUndefined();
  });

  it('the strict reader refuses what is not Prometheus text', () => {
    expect(() => parsePrometheus('# TYPE x gauge\nx{a="b"} one\n')).toThrow(/not a Prometheus sample/);
    expect(() => parsePrometheus('y 1\n')).toThrow(/before its TYPE/);
  });
});
