// The bundle into a copy of Node: a Node single executable application (Node 24: a blob from
// `node --experimental-sea-config`, injected with postject).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';

// Node's own constant: postject flips this fuse so Node knows a blob was injected.
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

const readJson = (path) => readFile(path, 'utf8').then(JSON.parse, () => undefined);

/**
 * Writes exe (mode 0755, replaced in one rename) and exe.sha256. Skipped when the bundle, the
 * config and the Node binary are what the last build used and exe is still what it wrote:
 * injecting rewrites a ~120 MB file and takes most of the build's time.
 */
export async function makeExecutable({ node, bundle, exe, workDir }) {
  // Paths relative to the bundle's directory (the blob keeps main's path as the script's name).
  const seaConfig = {
    main: basename(bundle),
    output: relative(dirname(bundle), join(workDir, 'sea-prep.blob')),
    disableExperimentalSEAWarning: true,
    // V8's compiled code for the script, made at build time: the script is not parsed at start.
    useCodeCache: true,
    // useSnapshot is left off: Node ignores useCodeCache with it, and a snapshot of this CLI
    // (child_process, async_hooks, streams) is one Node warns "may be out of sync" on restore.
  };
  const nodeStat = await stat(node);
  const inputs = createHash('sha256')
    .update(await readFile(bundle))
    .update(JSON.stringify(seaConfig))
    .update(`${node} ${process.version} ${nodeStat.size} ${nodeStat.mtimeMs}`)
    .digest('hex');
  const stampPath = join(workDir, 'stamp.json');
  const stamp = await readJson(stampPath);
  const sumPath = `${exe}.sha256`;
  if (stamp?.inputs === inputs && (await sha256File(exe).catch(() => undefined)) === stamp.sha256) {
    await writeFile(sumPath, `${stamp.sha256}  ${basename(exe)}\n`);
    return { sha256: stamp.sha256, rebuilt: false };
  }

  await mkdir(workDir, { recursive: true });
  const configPath = join(workDir, 'sea-config.json');
  await writeFile(configPath, `${JSON.stringify(seaConfig, null, 2)}\n`);
  // The blob and its code cache belong to one Node build: make it with the Node we inject into.
  execFileSync(node, ['--experimental-sea-config', configPath], { cwd: dirname(bundle), stdio: 'pipe' }); // it says "Wrote …" on stderr
  const blob = join(dirname(bundle), seaConfig.output);
  if ((await readFile(blob)).includes(dirname(bundle))) throw new Error(`${blob} carries a path of this machine`);

  const temp = `${exe}.tmp`;
  await rm(temp, { force: true });
  await copyFile(node, temp);
  const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
  try {
    execFileSync(node, [postject, temp, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], { stdio: 'pipe' });
  } catch (error) {
    await rm(temp, { force: true });
    throw new Error(`postject failed: ${error.stderr?.toString() || error.message}`, { cause: error });
  }
  await chmod(temp, 0o755);
  await rename(temp, exe);
  const sha256 = await sha256File(exe);
  // sha256sum's format, so `sha256sum -c regsetup-linux-x64.sha256` checks a download.
  await writeFile(sumPath, `${sha256}  ${basename(exe)}\n`);
  await writeFile(stampPath, `${JSON.stringify({ inputs, sha256 }, null, 2)}\n`);
  return { sha256, rebuilt: true };
}
