import { describe, expect, it } from 'vitest';
import { DAEMON_JSON } from './helpers/join-fixtures.js';
import { agentNode, CA, CONFIG, NOW } from './helpers/agent-fixtures.js';

const full = { kind: 'full', trigger: 'start', paths: [] } as const;
const watch = (...paths: string[]) => ({ kind: 'quick', trigger: 'watch', paths }) as const;
const mirrors = (text: string | undefined) => (JSON.parse(text ?? '{}') as Record<string, unknown>)['registry-mirrors'];

async function joined(o: Parameters<typeof agentNode>[0] = {}) {
  const node = agentNode({ daemonJson: '{\n  "log-driver": "journald"\n}\n', ...o });
  await node.agent.load();
  await node.agent.run(full);
  return node;
}

describe('the agent', () => {
  it('joins at start, through converge: files, journal, reload confirmed', async () => {
    const node = await joined();
    expect(mirrors(node.read(DAEMON_JSON))).toEqual(['https://nexus.example.com']);
    expect(node.read(CA)).toContain('BEGIN CERTIFICATE');
    expect(node.read('/var/lib/regsetup/state.json')).toContain('nexus.example.com');
    expect(node.signals).toEqual(['SIGHUP']);
    expect(node.agent.healthy()).toBe(true);
    expect(node.log.entries.find((e) => e.msg === 'converged')?.fields).toMatchObject({ registry: 'nexus.example.com', activated: ['dockerd: reloaded, confirmed'] });
  });

  it('a mirror removed by hand is put back and dockerd reloaded; the log says what drifted, with the diff', async () => {
    const node = await joined();
    node.write(DAEMON_JSON, '{\n  "log-driver": "journald"\n}\n');
    await node.agent.run(watch(DAEMON_JSON));
    expect(mirrors(node.read(DAEMON_JSON))).toEqual(['https://nexus.example.com']);
    expect(node.signals).toEqual(['SIGHUP', 'SIGHUP']);
    const repaired = node.log.entries.find((e) => e.msg === 'drift found; repairing')!;
    expect(repaired.fields.drift).toEqual(['registry-mirrors entry https://nexus.example.com was removed from /etc/docker/daemon.json']);
    expect(String(repaired.fields.diff)).toContain('+  "registry-mirrors"');
    expect(await node.agent.metrics.registry.getSingleMetricAsString('regsetup_drift_repairs_total')).toContain('regsetup_drift_repairs_total{kind="entry-removed"} 1');
  });

  it('a deleted CA is restored without signalling dockerd (certs.d is read at every pull)', async () => {
    const node = await joined();
    node.fs.rmSync(CA);
    await node.agent.run(watch('/etc/docker/certs.d/nexus.example.com'));
    expect(node.read(CA)).toContain('BEGIN CERTIFICATE');
    expect(node.signals).toEqual(['SIGHUP']);
  });

  it('an unrelated key added by hand is kept: nothing rewritten, no signal, no preflight', async () => {
    const node = await joined();
    const edited = node.read(DAEMON_JSON)!.replace('"log-driver"', '"debug": true,\n  "log-driver"');
    node.write(DAEMON_JSON, edited);
    const journal = node.read('/var/lib/regsetup/state.json');
    await node.agent.run(watch(DAEMON_JSON));
    expect(node.read(DAEMON_JSON)).toBe(edited);
    expect(node.read('/var/lib/regsetup/state.json')).toBe(journal);
    expect(node.signals).toEqual(['SIGHUP']);
    expect(node.preflights).toEqual(['nexus.example.com']);
  });

  it('an event for a file that reads as after the last run (our own write) costs nothing', async () => {
    const node = await joined();
    const entries = node.log.entries.length;
    await node.agent.run(watch(DAEMON_JSON, CA));
    expect(node.log.entries.length).toBe(entries);
  });

  it('a malformed daemon.json is not touched: an error finding with the line, healthy again once fixed', async () => {
    const node = await joined();
    const broken = '{\n  "log-driver": "journald",\n}\n';
    node.write(DAEMON_JSON, broken);
    await node.agent.run(watch(DAEMON_JSON));
    expect(node.read(DAEMON_JSON)).toBe(broken);
    expect(node.agent.healthy()).toBe(false);
    expect(node.agent.findings.errors[0]).toMatchObject({ code: 'ERR_DAEMON_JSON_MALFORMED', registry: 'nexus.example.com', message: expect.stringMatching(/line 3/) });
    node.write(DAEMON_JSON, '{\n  "log-driver": "journald"\n}\n');
    await node.agent.run(watch(DAEMON_JSON));
    expect(node.agent.healthy()).toBe(true);
    expect(mirrors(node.read(DAEMON_JSON))).toEqual(['https://nexus.example.com']);
  });

  it('report mode only reports: no write, a DRIFT finding', async () => {
    const node = agentNode({ daemonJson: '{}\n', file: 'version: 1\nagent:\n  mode: report\nregistries:\n  - registry: nexus.example.com\n    mirrors: [https://nexus.example.com]\n' });
    await node.agent.load();
    await node.agent.run(full);
    expect(node.read(DAEMON_JSON)).toBe('{}\n');
    expect(node.signals).toEqual([]);
    expect(node.agent.findings.errors[0]).toMatchObject({ code: 'DRIFT' });
  });

  it('a clock over the limit is a finding and a metric, never a write', async () => {
    const node = agentNode({ daemonJson: '{}\n', skewMs: 120_000 });
    await node.agent.load();
    await node.agent.run(full);
    expect(node.read(DAEMON_JSON)).toBe('{}\n');
    expect(node.agent.findings.errors[0]).toMatchObject({ code: 'CLOCK_SKEW', message: expect.stringContaining('120s') });
    expect(await node.agent.metrics.registry.getSingleMetricAsString('regsetup_clock_skew_seconds')).toContain('regsetup_clock_skew_seconds{registry="nexus.example.com"} 120');
  });

  it('a CA that expires within 30 days is a warning (healthy still)', async () => {
    const node = await joined({ caNotAfter: NOW + 10 * 86_400_000 });
    expect(node.agent.findings.list()).toEqual([expect.objectContaining({ severity: 'warning', code: 'CA_EXPIRING', message: expect.stringContaining('in 10 days') })]);
    expect(node.agent.healthy()).toBe(true);
  });

  it('a failed repair is rolled back and backed off (doubling, capped); file events meanwhile wait', async () => {
    const node = await joined();
    // dockerd restarted meanwhile without the mirror, and now refuses every reload.
    node.refuseReload();
    node.docker.infoValue.mirrors = [];
    node.write(DAEMON_JSON, '{}\n');
    const first = await node.agent.run(watch(DAEMON_JSON));
    expect(node.read(DAEMON_JSON)).toBe('{}\n'); // rolled back
    expect(first.retryAt).toBe(node.clock.t + 5_000);
    node.write(DAEMON_JSON, '{ }\n');
    const signals = node.signals.length;
    await node.agent.run(watch(DAEMON_JSON));
    expect(node.signals.length).toBe(signals); // waiting out the backoff
    node.clock.t += 5_000;
    const second = await node.agent.run({ kind: 'quick', trigger: 'retry', paths: [] });
    expect(second.retryAt).toBe(node.clock.t + 10_000);
    node.acceptReload();
    node.clock.t += 10_000;
    expect(await node.agent.run({ kind: 'quick', trigger: 'retry', paths: [] })).toEqual({});
    expect(node.agent.healthy()).toBe(true);
  }, 20_000);

  it('the same drift 3 times in 10 minutes is reported as flapping', async () => {
    const node = await joined();
    for (let i = 0; i < 3; i++) {
      node.write(DAEMON_JSON, `{"n": ${i}}\n`);
      node.clock.t += 60_000;
      await node.agent.run(watch(DAEMON_JSON));
    }
    expect(node.agent.findings.list()).toContainEqual(expect.objectContaining({ code: 'FLAPPING', severity: 'warning', message: expect.stringContaining('3 times') }));
  });

  it('an invalid file on reload is refused: the old one stays in force', async () => {
    const node = await joined();
    node.write(CONFIG, 'version: 1\nregistries:\n  - registry: nexus.example.com\n    bogus: 1\n');
    expect(await node.agent.reload('SIGHUP')).toBe(false);
    expect(node.agent.file.registries.map((r) => r.registry)).toEqual(['nexus.example.com']);
    expect(node.log.entries.at(-1)).toMatchObject({ level: 'error', msg: 'desired-state file refused; keeping the previous one', fields: { error: expect.stringContaining(':4:5:') } });
    expect(node.agent.findings.list()).toContainEqual(expect.objectContaining({ source: 'config', severity: 'warning' }));
  });
});
