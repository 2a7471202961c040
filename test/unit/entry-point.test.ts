import { describe, expect, it } from 'vitest';
import { entryPointFor } from '../../src/cli/entry-point.js';

describe('entryPointFor', () => {
  it.each([
    { startedAs: 'docker-credential-regsetup', entry: 'docker-credential-regsetup' }, // the docker CLI, from PATH
    { startedAs: '/usr/local/bin/docker-credential-regsetup', entry: 'docker-credential-regsetup' },
    { startedAs: './docker-credential-regsetup', entry: 'docker-credential-regsetup' },
    { startedAs: '/usr/local/bin/regsetup', entry: 'regsetup' },
    { startedAs: 'regsetup-linux-x64', entry: 'regsetup' },
    { startedAs: '/opt/docker-credential-regsetup/regsetup', entry: 'regsetup' }, // the name, not a directory
    { startedAs: 'docker-credential-regsetup-old', entry: 'regsetup' },
    { startedAs: undefined, entry: 'regsetup' },
  ])('$startedAs → $entry', ({ startedAs, entry }) => {
    expect(entryPointFor(startedAs)).toBe(entry);
  });
});
