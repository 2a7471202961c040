import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import * as z from 'zod';
import { parseDockerConfig } from '../core/docker-config.js';
import { isRegsetupError, RegsetupError } from '../core/errors.js';
import { DEFAULT_STATE_DIR } from '../core/journal.js';
import { REGSETUP_HELPER } from '../core/docker-config-edit.js';
import type { Files } from '../host/files.js';
import { selfInstall } from '../host/self-install.js';
import { whichOnPath } from './helpers-on-path.js';

// The docker CLI runs docker-credential-<name> from its PATH. However regsetup was installed
// (npm -g, npx cache, a checkout, the single executable), a wrapper in /usr/local/bin makes it
// findable: a tiny script that execs this install's Node and helper, or, for the single
// executable, a symlink to the executable itself (it is the helper when started under that
// name). A record in the state directory lets `leave` remove it.

export const WRAPPER_PATH = '/usr/local/bin/docker-credential-regsetup';
export const WRAPPER_RECORD = posix.join(DEFAULT_STATE_DIR, 'helper-wrapper.json');

const recordSchema = z.object({
  path: z.string(),
  /** Of the script, when the wrapper is a script. */
  sha256: z.string().optional(),
  /** The link's target, when the wrapper is a symlink. */
  link: z.string().optional(),
  /** Docker config directories (host paths) that were pointed at the helper. */
  dockerConfigDirs: z.array(z.string()),
});
type WrapperRecord = z.infer<typeof recordSchema>;

/** How the docker CLI is to start this install's helper. */
export type HelperCommand = { node: string; script: string } | { executable: string };

export function selfHelperCommand(): HelperCommand {
  const self = selfInstall();
  return self.kind === 'executable' ? { executable: self.path } : { node: self.node, script: self.helperScript };
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function wrapperScript(cmd: { node: string; script: string }): string {
  return [
    '#!/bin/sh',
    '# Installed by `regsetup login` so the docker CLI finds regsetup\'s credential helper.',
    '# `regsetup leave` removes it once no Docker config uses the helper any more.',
    `exec ${quote(cmd.node)} ${quote(cmd.script)} "$@"`,
    '',
  ].join('\n');
}

/** What is at a wrapper path now: a link (its target), a file (its text), or nothing. */
async function readWrapper(files: Files, path: string): Promise<{ link?: string; text?: string }> {
  const link = await files.readLink(path);
  // Never read through a link: it may point at the 100 MB executable.
  return link !== undefined ? { link } : { text: await files.readText(path) };
}

export interface WrapperPorts {
  /** Under --root. */
  files: Files;
  env: NodeJS.ProcessEnv;
}

async function readRecord(files: Files): Promise<WrapperRecord | undefined> {
  // Root's state directory is closed to other users (a rootless dockerd's user): its wrapper is not theirs to manage.
  const text = await files.readText(WRAPPER_RECORD).catch((error: unknown) => (isRegsetupError(error) && error.code === 'ERR_PERMISSION' ? undefined : Promise.reject(error)));
  if (text === undefined) return undefined;
  const parsed = recordSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : undefined;
}

export interface HelperOnPath {
  path: string;
  /** true when this run wrote (or rewrote) the wrapper. */
  installed: boolean;
}

/**
 * Make sure `docker-credential-regsetup` is on PATH. On the real host an existing one on PATH
 * is used as is (unless it is our own wrapper pointing at an older install); under --root the
 * wrapper is always written into the tree.
 */
export async function ensureHelperOnPath(ports: WrapperPorts, options: { root: string; dockerConfigDir: string; self?: HelperCommand }): Promise<HelperOnPath> {
  const { files } = ports;
  const self = options.self ?? selfHelperCommand();
  const record = await readRecord(files);
  const realHost = options.root === '/' || options.root === '';
  const found = realHost ? await whichOnPath(files, ports.env, 'docker-credential-regsetup') : undefined;
  const ours = record !== undefined && found === record.path;
  if (found !== undefined && !ours) return { path: found, installed: false };
  const current = await readWrapper(files, WRAPPER_PATH);
  const dirs = [...new Set([...(record?.dockerConfigDirs ?? []), options.dockerConfigDir])];
  const present = current.link !== undefined || current.text !== undefined;
  if (present && record === undefined) return { path: WRAPPER_PATH, installed: false }; // someone else's: leave it
  const wanted = 'executable' in self ? { link: self.executable } : { text: wrapperScript(self) };
  const upToDate = wanted.link !== undefined
    ? current.link !== undefined && posix.resolve(posix.dirname(WRAPPER_PATH), current.link) === wanted.link
    : current.link === undefined && current.text === wanted.text;
  if (!upToDate) {
    try {
      await files.mkdirp(posix.dirname(WRAPPER_PATH));
      if (wanted.link !== undefined) await files.symlinkAtomic(wanted.link, WRAPPER_PATH);
      else {
        // writeAtomic writes through a link, into whatever it points at: drop the link first.
        if (current.link !== undefined) await files.removeLink(WRAPPER_PATH);
        await files.writeAtomic(WRAPPER_PATH, wanted.text, { mode: 0o755 });
      }
    } catch (error) {
      throw new RegsetupError('ERR_HELPER_NOT_ON_PATH', `docker-credential-regsetup is not on PATH and ${WRAPPER_PATH} cannot be written: ${(error as NodeJS.ErrnoException).code ?? error}`, {
        hint: `Run regsetup as root once, or put a link on your PATH: ln -s ${'executable' in self ? self.executable : self.script} ~/.local/bin/docker-credential-regsetup`,
      });
    }
  }
  // What leave will compare against: the wrapper as it now is.
  const is = upToDate ? current : wanted;
  const kept = is.link !== undefined ? { link: is.link } : { sha256: sha256(is.text ?? '') };
  await files.mkdirp(posix.dirname(WRAPPER_RECORD), 0o700);
  await files.writeAtomic(WRAPPER_RECORD, `${JSON.stringify({ path: WRAPPER_PATH, ...kept, dockerConfigDirs: dirs }, null, 2)}\n`, { mode: 0o600 });
  return { path: WRAPPER_PATH, installed: !upToDate };
}

const usesHelper = (text: string | Uint8Array | undefined, path: string): boolean => {
  try {
    const config = parseDockerConfig(text, path);
    return config.credsStore === REGSETUP_HELPER || Object.values(config.credHelpers ?? {}).includes(REGSETUP_HELPER);
  } catch {
    return true; // unreadable: assume it may still need the helper
  }
};

/**
 * For `leave`: remove the wrapper regsetup installed once none of the Docker configs it was set
 * up for names the helper any more. A wrapper changed since we wrote it is left in place.
 */
export async function removeHelperWrapperIfUnused(files: Files, otherConfigFiles: readonly string[] = []): Promise<{ removed: boolean; reason: string }> {
  const record = await readRecord(files);
  if (record === undefined) return { removed: false, reason: 'regsetup did not install a helper wrapper' };
  // Docker configs it was set up for, and other files in that format that name it (containers' auth.json).
  for (const path of [...record.dockerConfigDirs.map((dir) => posix.join(dir, 'config.json')), ...otherConfigFiles]) {
    // One we cannot read (not a regular file, too large…) may still need the helper.
    const text = await files.readBytes(path).then((b) => b ?? '', () => undefined);
    if (text === undefined || usesHelper(text, path)) return { removed: false, reason: `${path} still uses the regsetup helper (or cannot be read)` };
  }
  const current = await readWrapper(files, record.path);
  const changed = current.link !== undefined ? current.link !== record.link : current.text !== undefined && (record.sha256 === undefined || sha256(current.text) !== record.sha256);
  if (changed) {
    await files.remove(WRAPPER_RECORD);
    return { removed: false, reason: `${record.path} was changed since regsetup wrote it; left in place` };
  }
  if (current.link !== undefined) await files.removeLink(record.path);
  else await files.remove(record.path);
  await files.remove(WRAPPER_RECORD);
  return { removed: true, reason: `no Docker config uses the regsetup helper any more` };
}
