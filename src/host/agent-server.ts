import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { dirname } from 'node:path';

// The agent's HTTP endpoints: a unix socket (0660, root's group) for `agent status`, and TCP
// only when --listen asks for it. The routes are plain functions (agent/http-handlers.ts).

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

export type Handler = (method: string, path: string) => Promise<HttpAnswer>;

export interface AgentServer {
  close(): Promise<void>;
  /** The TCP address actually bound (port 0 picks one), when listening on TCP. */
  tcp?: { host: string; port: number };
}

function serve(handler: Handler): Server {
  return createServer((req, res) => {
    handler(req.method ?? 'GET', new URL(req.url ?? '/', 'http://agent').pathname).then(
      (a) => res.writeHead(a.status, { 'content-type': a.contentType, 'cache-control': 'no-store' }).end(a.body),
      (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`internal error: ${(error as Error).message}\n`),
    );
  });
}

const listening = (server: Server, ...args: unknown[]) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    (server.listen as (...a: unknown[]) => void)(...args, () => {
      server.off('error', reject);
      resolve();
    });
  });

/** socketPath: a real path (already under --root). A socket left by a killed agent is replaced: the pid lock says no other agent runs. */
export async function startAgentServer(handler: Handler, o: { socketPath: string; listen?: string }): Promise<AgentServer> {
  const servers: Server[] = [];
  mkdirSync(dirname(o.socketPath), { recursive: true, mode: 0o755 });
  rmSync(o.socketPath, { force: true });
  const unix = serve(handler);
  await listening(unix, o.socketPath);
  chmodSync(o.socketPath, 0o660);
  servers.push(unix);
  let tcp: AgentServer['tcp'];
  if (o.listen !== undefined) {
    const i = o.listen.lastIndexOf(':');
    const host = o.listen.slice(0, i).replace(/^\[|\]$/g, '');
    const server = serve(handler);
    await listening(server, Number(o.listen.slice(i + 1)), host);
    const address = server.address();
    if (address && typeof address === 'object') tcp = { host, port: address.port };
    servers.push(server);
  }
  return {
    ...(tcp ? { tcp } : {}),
    close: async () => {
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => { s.close(() => resolve()); s.closeAllConnections(); })));
      rmSync(o.socketPath, { force: true });
    },
  };
}

/** GET over the agent's unix socket (`agent status`); undefined when no agent listens there. */
export function getOverSocket(socketPath: string, path: string, timeoutMs = 5000): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer on ${socketPath} within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' || error.code === 'ECONNREFUSED' ? resolve(undefined) : reject(error)));
    req.end();
  });
}
