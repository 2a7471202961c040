// What must stay lazy in the bundle: a module reached from one of these without a dynamic
// import() on the way is loaded as soon as that module is. `regsetup --help` (run-program.ts)
// and every answer of the credential helper must not pay for the daemon client or the CLI parser.
const MUST_NOT_LOAD = {
  'src/cli/main.ts': ['commander', 'dockerode', 'execa'],
  'src/cli/run-program.ts': ['dockerode', 'execa'],
  'src/cli/credential-helper-main.ts': ['commander', 'dockerode', 'execa'],
};

// The innermost node_modules: a nested copy is still that package.
const packageOf = (path) => path.match(/.*node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1];

/** The chain of static imports from `from` to a module of a forbidden package, if there is one. */
function staticChain(inputs, from, forbidden) {
  const seen = new Set([from]);
  const queue = [[from]];
  while (queue.length > 0) {
    const chain = queue.shift();
    for (const imp of inputs[chain.at(-1)]?.imports ?? []) {
      if (imp.kind === 'dynamic-import' || imp.external || seen.has(imp.path)) continue;
      const next = [...chain, imp.path];
      if (forbidden.includes(packageOf(imp.path))) return next;
      seen.add(imp.path);
      queue.push(next);
    }
  }
  return undefined;
}

export function checkLazy(metafile) {
  for (const [from, forbidden] of Object.entries(MUST_NOT_LOAD)) {
    if (!(from in metafile.inputs)) throw new Error(`lazy-check: ${from} is not in the bundle any more: update scripts/sea/lazy-check.mjs`);
    const chain = staticChain(metafile.inputs, from, forbidden);
    if (chain) throw new Error(`${from} loads ${packageOf(chain.at(-1))} without an import() on the way:\n  ${chain.join('\n  → ')}`);
  }
}
