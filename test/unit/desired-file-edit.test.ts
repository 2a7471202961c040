import { describe, expect, it } from 'vitest';
import { parseDesiredFile } from '../../src/core/desired-file.js';
import { removeRegistry, savedEntry, upsertRegistry } from '../../src/core/desired-file-edit.js';
import { desiredFromFlags, flagsInput, type JoinFlags } from '../../src/core/desired-state.js';

const PIN = `sha256:${'b'.repeat(64)}`;
const entry = (registry: string, flags: JoinFlags) => savedEntry(flagsInput(registry, flags), desiredFromFlags(registry, flags));

const FILE = `# the registries of this node (kept by config management)
version: 1
agent:
  interval: 5m # a full check every five minutes
registries:
  # the group: pulls and the Docker Hub mirror
  - registry: nexus.example.com
    mirrors: [none] # no mirror here
    restart: reload
`;

describe('join --save / leave --save', () => {
  it('a saved entry holds only what the flags said (commander defaults dropped)', () => {
    expect(entry('Nexus.Example.com:443', { caUrl: 'https://n/ca.crt', caFingerprint: [PIN], restart: 'auto', maxClockSkew: '30', username: 'ci', passwordFile: '/etc/regsetup/nexus.pw' })).toEqual({
      registry: 'nexus.example.com:443',
      ca: { url: 'https://n/ca.crt', fingerprints: [PIN] },
      credentials: { username: 'ci', passwordFile: '/etc/regsetup/nexus.pw' },
    });
  });

  it('adds a registry to a new file', () => {
    const { text } = upsertRegistry(undefined, entry('a.example', { mirror: ['none'] }), 'f');
    expect(text).toBe('version: 1\nregistries:\n  - registry: a.example\n    mirrors:\n      - none\n');
    expect(parseDesiredFile(text).ok).toBe(true);
  });

  it('adds a registry next to the others, keeping comments', () => {
    const { text, added } = upsertRegistry(FILE, entry('b.example', { insecure: true }), 'f');
    expect(added).toBe(true);
    expect(text.startsWith(FILE)).toBe(true);
    expect(text.slice(FILE.length)).toBe('  - registry: b.example\n    insecure: true\n');
  });

  it('updates an entry key by key: comments on kept keys stay, dropped keys go', () => {
    const { text, added } = upsertRegistry(FILE, entry('nexus.example.com', { mirror: ['none'], caFingerprint: [PIN] }), 'f');
    expect(added).toBe(false);
    expect(text).toContain('mirrors: [none] # no mirror here');
    expect(text).toContain('# the group: pulls and the Docker Hub mirror');
    expect(text).not.toContain('restart');
    expect(text).toContain(PIN);
  });

  it('the same entry again changes nothing', () => {
    const once = upsertRegistry(FILE, entry('c.example', {}), 'f').text;
    expect(upsertRegistry(once, entry('c.example', {}), 'f')).toMatchObject({ text: once, changed: false });
  });

  it('removes an entry, keeping the rest', () => {
    const two = upsertRegistry(FILE, entry('b.example', {}), 'f').text;
    const { text, changed } = removeRegistry(two, 'Nexus.Example.com', 'f');
    expect(changed).toBe(true);
    expect(text).toContain('interval: 5m # a full check every five minutes');
    expect(text).not.toContain('nexus.example.com');
    expect(text).toContain('registry: b.example');
    expect(removeRegistry(text, 'other.example', 'f')).toMatchObject({ changed: false });
  });

  it('refuses to edit a file that is not valid', () => {
    expect(() => upsertRegistry('version: 2\n', entry('a.example', {}), 'f')).toThrow(/not a valid desired-state file/);
  });
});
