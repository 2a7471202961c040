// npm run build:sea — regsetup as one file that runs on any Linux node of this architecture:
// no Node, no node_modules there. dist/sea/regsetup-<platform>-<arch> is at once `regsetup`
// and, started as `docker-credential-regsetup` (a symlink), the credential helper.
//   dist/sea/regsetup-linux-x64           the executable (Node 24 with the bundle injected)
//   dist/sea/regsetup-linux-x64.sha256    its checksum, sha256sum's format (for install.sh)
//   dist/sea/THIRD-PARTY-NOTICES.txt      the licences of what it carries
//   dist/sea/install.sh                   scripts/install.sh, to publish next to them
//   dist/sea/regsetup.cjs                 the bundle itself (not shipped; for reading)
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle } from './sea/bundle.mjs';
import { makeExecutable } from './sea/inject.mjs';
import { notices } from './sea/notices.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'dist', 'sea');
const exe = join(outDir, `regsetup-${process.platform}-${process.arch}`);

// The executable is a copy of the Node that runs this script: npm run puts the `node`
// devDependency (24) first on PATH. An older Node has no single-executable support worth having.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`build-sea: this is Node ${process.version}; run it as \`npm run build:sea\` (Node 24 from the devDependencies).`);
  process.exit(2);
}

/** Writes only when the content changed, so an unchanged build leaves the files alone. */
async function writeIfChanged(path, data) {
  const before = await readFile(path).catch(() => undefined);
  if (before !== undefined && Buffer.compare(before, Buffer.from(data)) === 0) return false;
  await writeFile(path, data);
  return true;
}

const started = Date.now();
const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
await mkdir(outDir, { recursive: true });
const { code, metafile } = await bundle({ root, version });
const bundlePath = join(outDir, 'regsetup.cjs');
await writeIfChanged(bundlePath, code);
await writeIfChanged(join(outDir, 'THIRD-PARTY-NOTICES.txt'), await notices({ root, metafile }));
await copyFile(join(root, 'scripts', 'install.sh'), join(outDir, 'install.sh'));
const { sha256, rebuilt } = await makeExecutable({ node: process.execPath, bundle: bundlePath, exe, workDir: join(outDir, '.build') });

// The executable must answer before anyone ships it: no Node on PATH, no environment.
const answer = execFileSync(exe, ['--version'], { env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8' }).trim();
if (answer !== version) throw new Error(`${exe} --version said ${JSON.stringify(answer)}, not ${version}`);

const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const { size } = await stat(exe);
console.log(`build-sea: ${exe.slice(root.length)} ${version} (${mb(size)}, bundle ${mb(code.length)}) ${rebuilt ? 'built' : 'up to date'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`build-sea: sha256 ${sha256}`);
