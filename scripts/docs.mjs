// Regenerates docs/errors.md and docs/regsetup.1 from the built program (npm run docs builds first).
// test/unit/error-codes.test.ts and test/unit/completion.test.ts fail while either is out of date.
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const { version } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const { renderErrorReference } = await import(new URL('dist/docs/error-reference.js', root).href);
const { renderManPage } = await import(new URL('dist/docs/man-page.js', root).href);
const { modelOf } = await import(new URL('dist/cli/command-model.js', root).href);
const { describeProgram } = await import(new URL('dist/cli/program.js', root).href);

writeFileSync(new URL('docs/errors.md', root), renderErrorReference());
writeFileSync(new URL('docs/regsetup.1', root), renderManPage(modelOf(describeProgram(version)), version));
console.log('wrote docs/errors.md and docs/regsetup.1');
