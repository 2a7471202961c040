// The licences of what the single executable carries: the npm packages in the bundle (their
// licences mostly ask for the notice to travel with every copy) and Node itself.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** node_modules/a/node_modules/@b/c/lib/x.js → node_modules/a/node_modules/@b/c */
const packageDir = (input) => input.match(/^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//)?.[1];

async function licenceText(dir) {
  const names = (await readdir(dir)).filter((n) => /^(licen[cs]e|copying)/i.test(n)).sort();
  const texts = await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')));
  return texts.join('\n').trim();
}

export async function notices({ root, metafile }) {
  const used = Object.values(metafile.outputs).flatMap((o) => Object.entries(o.inputs).filter(([, i]) => i.bytesInOutput > 0).map(([path]) => path));
  const dirs = [...new Set(used.map(packageDir).filter(Boolean))].sort();
  const sections = [];
  for (const dir of dirs) {
    const pkg = JSON.parse(await readFile(join(root, dir, 'package.json'), 'utf8'));
    const text = await licenceText(join(root, dir));
    sections.push(`${pkg.name}@${pkg.version} (${pkg.license ?? 'see below'})\n\n${text || '(no licence file in the package)'}`);
  }
  const header = [
    'The regsetup single executable is Node.js with regsetup (Apache-2.0, see LICENSE) and the npm',
    'packages below bundled into it.',
    '',
    `Node.js ${process.version}: MIT and the licences of its own dependencies, in full at`,
    `https://github.com/nodejs/node/blob/${process.version}/LICENSE`,
  ].join('\n');
  return `${[header, ...sections].join(`\n\n${'-'.repeat(78)}\n\n`)}\n`;
}
