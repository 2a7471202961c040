// docker-credential-regsetup: the docker CLI runs it for every pull, push and login of the
// registries it serves, so it loads only what an answer needs (no commander, no dockerode;
// execa only when a backend has to run a program).
import { homedir } from 'node:os';
import { serveHelper } from '../credentials/protocol.js';
import { credentialStore } from '../credentials/store.js';
import { nodeFiles } from '../host/files.js';
import type { Processes } from '../host/processes.js';
import { version } from './version.js';

const lazyProcesses: Pick<Processes, 'run'> = {
  run: async (...args) => (await import('../host/processes.js')).run(...args),
};

async function readStdin(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

export async function main(argv: string[]): Promise<void> {
  const action = argv[0];
  const needsInput = action === 'store' || action === 'get' || action === 'erase';
  const input = needsInput ? await readStdin(process.stdin) : '';
  // The user's home is a trusted base for the symlink rule: its store lives below it.
  const files = nodeFiles(undefined, { trusted: [process.env.HOME || homedir()] });
  const store = credentialStore({ files, processes: lazyProcesses, env: process.env, uid: process.getuid?.() ?? 0 });
  const answer = await serveHelper(action, input, store, version);
  process.stdout.write(answer.stdout);
  process.exitCode = answer.exitCode;
}
