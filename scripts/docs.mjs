// Regenerates docs/errors.md, docs/regsetup.1 and schemas/*.schema.json from the built program
// (npm run docs builds first). Unit tests fail while any of them is out of date.
import { mkdirSync, readdirSync, rmSync, readFileSync, writeFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const { version } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const { renderErrorReference } = await import(new URL('dist/docs/error-reference.js', root).href);
const { renderManPage } = await import(new URL('dist/docs/man-page.js', root).href);
const { modelOf } = await import(new URL('dist/cli/command-model.js', root).href);
const { describeProgram } = await import(new URL('dist/cli/program.js', root).href);
const { renderJsonSchemas } = await import(new URL('dist/docs/json-schemas.js', root).href);

writeFileSync(new URL('docs/errors.md', root), renderErrorReference());
writeFileSync(new URL('docs/regsetup.1', root), renderManPage(modelOf(describeProgram(version)), version));
// schemas/ holds exactly the generated files: a document that went away takes its schema along.
const schemas = await renderJsonSchemas();
mkdirSync(new URL('schemas/', root), { recursive: true });
for (const name of readdirSync(new URL('schemas/', root))) if (!(name in schemas)) rmSync(new URL(`schemas/${name}`, root));
for (const [name, text] of Object.entries(schemas)) writeFileSync(new URL(`schemas/${name}`, root), text);
console.log(`wrote docs/errors.md, docs/regsetup.1 and ${Object.keys(schemas).length} files in schemas/`);
