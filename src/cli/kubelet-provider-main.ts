// `regsetup kubelet-credential-provider`: kubelet's credential-provider exec plugin. kubelet runs
// it for pulls of the images its CredentialProviderConfig matches (then caches the answer), so,
// like docker-credential-regsetup, it loads only what an answer needs (no command parsing, no
// grpc, execa only for a helper backend). It writes the response raw: redaction would mask the
// password kubelet asked for.
import { answerKubelet } from '../credentials/kubelet-provider.js';
import { credentialStore } from '../credentials/store.js';
import { nodeFiles } from '../host/files.js';
import type { Processes } from '../host/processes.js';

export interface ProtocolIo {
  stdin: NodeJS.ReadableStream;
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  env: NodeJS.ProcessEnv;
}

/** A request is one small JSON object; more than this is not kubelet talking. */
const MAX_INPUT_BYTES = 1024 * 1024;

const lazyProcesses: Pick<Processes, 'run'> = {
  run: async (...args) => (await import('../host/processes.js')).run(...args),
};

async function readInput(stream: NodeJS.ReadableStream): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += buffer.length;
    if (size > MAX_INPUT_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Answers one request; returns the exit code (0 also when nothing is stored for the registry). */
export async function main(argv: string[], io: ProtocolIo): Promise<number> {
  if (argv.length > 0) {
    io.stderr.write(`regsetup kubelet-credential-provider: unexpected argument ${JSON.stringify(argv[0])}; kubelet passes the request on stdin\n`);
    return 2;
  }
  const input = await readInput(io.stdin);
  if (input === undefined) {
    io.stderr.write(`regsetup kubelet-credential-provider: the request on stdin is larger than ${MAX_INPUT_BYTES} bytes\n`);
    return 2;
  }
  const store = credentialStore({ files: nodeFiles(), processes: lazyProcesses, env: io.env, uid: process.getuid?.() ?? 0 });
  const answer = await answerKubelet(input, store);
  io.stdout.write(answer.stdout);
  io.stderr.write(answer.stderr);
  return answer.exitCode;
}
