// The CLI as one CommonJS file: what a Node single executable can run (its main script may
// require only Node's built-in modules, and must not be an ES module).
import { build } from 'esbuild';
import { isBuiltin } from 'node:module';
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import { checkLazy } from './lazy-check.mjs';

// Parts of dockerode regsetup can never reach, left out of the bundle (1.2 MB of 3, and the
// bundle's size is most of what the executable's start-up costs). Each becomes a module that
// loads fine and fails loudly if it is ever used.
const UNREACHABLE = [
  // docker-modem's ssh:// transport (ssh2, with its native crypto and cpu-features): regsetup's
  // --docker-host and DOCKER_HOST take unix:// and tcp:// only (src/host/docker-connection.ts).
  { filter: /^ssh2$/, what: 'ssh:// Docker hosts', contents: (e) => `exports.Client = class Client { constructor() { ${e} } };` },
  // BuildKit sessions over gRPC (@grpc/grpc-js, @grpc/proto-loader, protobufjs): only
  // buildImage({ version: '2' }) opens one, and regsetup builds no image.
  { filter: /^\.\/session(\.js)?$/, from: /[\\/]dockerode[\\/]lib$/, what: 'BuildKit sessions', contents: (e) => `module.exports = function withSession() { ${e} };` },
  // BuildKit progress decoding (protobufjs), for Docker#followProgress: regsetup reads progress
  // itself (src/host/docker-progress.ts).
  { filter: /^\.\/buildkit(\.js)?$/, from: /[\\/]dockerode[\\/]lib$/, what: 'BuildKit progress', contents: (e) => `exports.followProgress = function followProgress() { ${e} };` },
];

const unreachable = {
  name: 'unreachable',
  setup(b) {
    for (const [i, u] of UNREACHABLE.entries()) {
      b.onResolve({ filter: u.filter }, (args) => (u.from === undefined || u.from.test(args.resolveDir) ? { path: String(i), namespace: 'unreachable' } : undefined));
    }
    b.onLoad({ filter: /.*/, namespace: 'unreachable' }, (args) => {
      const u = UNREACHABLE[Number(args.path)];
      const error = `throw new Error(${JSON.stringify(`${u.what}: not part of regsetup`)});`;
      return { loader: 'js', contents: u.contents(error) };
    });
  },
};

// Native addons: a single file cannot carry a .node file. None is reachable once ssh2 is out
// (its crypto binding and cpu-features were the only ones); should one come back, it becomes a
// module that throws when required: what the try/catch around such optional addons expects.
const nativeStub = {
  name: 'native-stub',
  setup(b) {
    b.onResolve({ filter: /\.node$|^cpu-features$/ }, (args) => ({ path: args.path, namespace: 'native-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'native-stub' }, (args) => ({
      loader: 'js',
      contents: `throw Object.assign(new Error(${JSON.stringify(`${args.path} is not part of the regsetup single executable`)}), { code: 'MODULE_NOT_FOUND' });`,
    }));
  },
};

// commander requires node:child_process when it loads, for subcommands that are programs of
// their own, which regsetup has none of; loading child_process (and net, dgram…) is a good part
// of what `regsetup --version` would cost. Commander gets it on first use instead.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-builtin' } : undefined);
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, () => ({
      loader: 'js',
      contents: "let m; const load = () => (m ??= require('node:child_process'));\nmodule.exports = new Proxy({}, { get: (_, key) => load()[key] });",
    }));
  },
};

// import.meta is empty in CommonJS. These two read it only on paths the single file never takes
// (version: REGSETUP_VERSION is defined; self-install: isSea() is true). Any other warning fails the build.
const EMPTY_IMPORT_META_OK = new Set(['src/cli/version.ts', 'src/host/self-install.ts']);

// Left as require() of a package that is not installed, inside the library's own try/catch:
// in the single executable that require throws, and the library carries on without it.
const OPTIONAL_REQUIRES = new Set([
  'supports-color', // debug (under docker-modem): colours for its debug output
]);

/**
 * Absolute paths of the build machine the bundle must not carry: they mean nothing on a node.
 * Only paths of two or more components: a library may well say "/root" on its own.
 */
function machinePaths(root) {
  return [root, dirname(root), homedir(), dirname(process.execPath)].filter((p) => p.split('/').filter(Boolean).length >= 2);
}

export async function bundle({ root, version }) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['src/cli/sea-entry.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    write: false,
    outfile: 'dist/sea/regsetup.cjs',
    // jsonc-parser's "main" is a UMD build whose require()s esbuild cannot see; its "module" is
    // plain ESM. (It and @js-sdsl/ordered-map are the only packages here with "module" and no "exports".)
    mainFields: ['module', 'main'],
    metafile: true,
    // Smaller is faster to start. keepNames: libraries that print or compare a class's name.
    minify: true,
    keepNames: false,
    legalComments: 'none', // the licences go in their own file (notices.mjs)
    define: { REGSETUP_VERSION: JSON.stringify(version) },
    plugins: [unreachable, nativeStub, lazyChildProcess],
    logLevel: 'silent',
  });
  const unexpected = result.warnings.filter((w) => !(w.id === 'empty-import-meta' && EMPTY_IMPORT_META_OK.has(w.location?.file)));
  if (unexpected.length > 0) {
    const lines = unexpected.map((w) => `  ${w.location?.file ?? '?'}:${w.location?.line ?? '?'}: ${w.text}`);
    throw new Error(`esbuild warned:\n${lines.join('\n')}`);
  }
  checkLazy(result.metafile);
  const code = result.outputFiles[0].contents;
  const text = Buffer.from(code).toString('utf8');
  const leaked = machinePaths(root).filter((p) => text.includes(p));
  if (leaked.length > 0) throw new Error(`the bundle carries paths of this machine: ${leaked.join(', ')}`);
  const leftover = [...text.matchAll(/\brequire\((["'])([^"']+)\1\)/g)].map((m) => m[2]).filter((name) => !isBuiltin(name) && !OPTIONAL_REQUIRES.has(name));
  if (leftover.length > 0) throw new Error(`the bundle still requires modules from disk: ${[...new Set(leftover)].join(', ')}`);
  if (/\bimport\(/.test(text)) throw new Error('the bundle still has a dynamic import(): a single executable cannot load modules from disk');
  return { code, metafile: result.metafile };
}
