import { describe, expect, it } from 'vitest';
import { formatProblems, parseDesiredFile } from '../../src/core/desired-file.js';

const problems = (text: string) => {
  const r = parseDesiredFile(text);
  if (r.ok) throw new Error('expected problems');
  return formatProblems('f.yaml', r.problems);
};

describe('the desired-state file', () => {
  it('reads registries as join would take them, with the agent defaults', () => {
    const r = parseDesiredFile('version: 1\nregistries:\n  - registry: Nexus.Example.com\n    mirrors: [auto]\n    ca:\n      url: https://nexus.example.com/ca.crt\n      fingerprints: [sha256:' + 'a'.repeat(64) + ']\n');
    expect(r.ok && r.file.registries[0]).toMatchObject({ registry: 'nexus.example.com', mirrors: ['auto'], ca: { url: 'https://nexus.example.com/ca.crt', fingerprints: [`sha256:${'a'.repeat(64)}`] } });
    expect(r.ok && r.file.agent).toMatchObject({ interval: 300_000, mode: 'repair', socket: '/run/regsetup/agent.sock', debounce: 200 });
  });

  it('an empty file is an empty desired state', () => {
    expect(parseDesiredFile('')).toMatchObject({ ok: true, file: { registries: [] } });
  });

  it.each([
    ['an unknown key, at the key', 'version: 1\nregistries:\n  - registry: a.example\n    bogus: 1\n', 'f.yaml:4:5: registries.0.bogus: unknown key "bogus"'],
    ['an inline password', 'version: 1\nregistries:\n  - registry: a.example\n    credentials:\n      username: ci\n      password: hunter22\n', 'f.yaml:6:7: registries.0.credentials.password: unknown key "password"'],
    ['a bad pin, at its value', 'version: 1\nregistries:\n  - registry: a.example\n    ca:\n      fingerprints: [sha256:zz]\n', 'f.yaml:5:22: registries.0.ca.fingerprints.0:'],
    ['a bad interval', 'version: 1\nagent:\n  interval: 5x\n', 'f.yaml:3:13: agent.interval: expected a duration'],
    ['a missing version', 'registries: []\n', 'f.yaml:1:1: version: expected version: 1'],
    ['a registry listed twice', 'version: 1\nregistries:\n  - registry: a.example\n  - registry: A.example\n', 'f.yaml:4:15: registries.1.registry: a.example is listed twice'],
    ['a YAML syntax error', 'version: 1\nregistries: [a,\n', 'f.yaml:'],
    ['a bad mode', 'version: 1\nagent:\n  mode: fix\n', 'f.yaml:3:9: agent.mode: expected repair or report'],
  ])('%s', (_name, text, expected) => {
    expect(problems(text)[0]).toContain(expected);
  });

  it('reports every problem, in file order', () => {
    const lines = problems('version: 1\nagent:\n  bogus: 1\nregistries:\n  - registry: a.example\n    restart: sometimes\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^f\.yaml:3:3: /);
    expect(lines[1]).toMatch(/^f\.yaml:6:14: registries\.0\.restart: expected one of/);
  });
});
