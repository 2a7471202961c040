// The entry of the single executable (scripts/build-sea.mjs bundles this file). One file is
// regsetup and its credential helper; each program's code is loaded only when it is the one
// started, so the helper never loads commander and `regsetup --version` never loads the helper.
import { entryPointFor, type EntryPoint } from './entry-point.js';

type Main = (argv: string[]) => Promise<void>;

const mains: Record<EntryPoint, () => Promise<Main>> = {
  regsetup: async () => (await import('./main.js')).main,
  'docker-credential-regsetup': async () => (await import('./credential-helper-main.js')).main,
};

// A single executable gets [executable, argv[0] as started, ...args]; `node bundle.cjs` gets
// [node, bundle, ...args]: argv[1] is the name either way. No top-level await: the bundle is CommonJS.
void mains[entryPointFor(process.argv[1])]().then((main) => main(process.argv.slice(2)));
