import { createRequire } from 'node:module';

// The single-file build (scripts/build-sea.mjs) replaces REGSETUP_VERSION with the version at
// build time, and drops the branch that reads package.json: that file is not there on a node.
// The tsc build ships inside the npm package, next to its package.json.
declare const REGSETUP_VERSION: string | undefined;

export const version: string =
  typeof REGSETUP_VERSION === 'string' ? REGSETUP_VERSION : (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
