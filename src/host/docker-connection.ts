import type { DockerOptions } from 'dockerode';
import { badInput, RegsetupError, type ErrorCode } from '../core/errors.js';

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

export interface DockerConnection {
  options: DockerOptions;
  /** As the docker CLI would print it, for messages. */
  display: string;
}

/** DOCKER_HOST syntax: unix:///path or tcp://host[:port] (TLS over tcp is not supported yet). */
export function parseDockerHost(dockerHost: string | undefined): DockerConnection {
  const host = dockerHost === undefined || dockerHost.trim() === '' ? DEFAULT_DOCKER_HOST : dockerHost.trim();
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw badInput('ERR_DOCKER_HOST', `Bad Docker host ${host}: a unix socket needs an absolute path`, 'Write it as unix:///var/run/docker.sock.');
    return { options: { socketPath }, display: host };
  }
  if (host.startsWith('/')) return { options: { socketPath: host }, display: `unix://${host}` };
  if (host.startsWith('tcp://') || host.startsWith('http://')) {
    const url = new URL(host.replace(/^tcp:/, 'http:'));
    const port = url.port === '' ? 2375 : Number(url.port);
    return { options: { host: url.hostname.replace(/^\[|\]$/g, ''), port, protocol: 'http' }, display: `tcp://${url.host}` };
  }
  throw badInput('ERR_DOCKER_HOST', `Unsupported Docker host ${host}`, 'Use unix:///path/to/docker.sock or tcp://host:port.');
}

const UNREACHABLE_HINTS: Record<string, string> = {
  ENOENT: 'The socket does not exist: dockerd is not running, or --docker-host / DOCKER_HOST points elsewhere.',
  ECONNREFUSED: 'Nothing listens there: dockerd is not running (or is still starting).',
  EACCES: 'Permission denied on the socket: run as root, or as a member of the docker group.',
  EPERM: 'Permission denied on the socket: run as root, or as a member of the docker group.',
  ECONNRESET: 'The daemon closed the connection: it may be restarting.',
  EHOSTUNREACH: 'The Docker host cannot be reached over the network.',
  ETIMEDOUT: 'The Docker host did not answer in time.',
  ABORT_ERR: 'The daemon did not answer in time: it may be starting, stuck, or overloaded.',
};

/**
 * Turn a dockerode/docker-modem failure into a RegsetupError. Connection failures get
 * one code (ERR_DOCKER_UNREACHABLE) and the docker CLI's wording, so the diagnosis
 * catalogue recognises them; API errors keep the daemon's own message.
 */
export function dockerError(error: unknown, code: ErrorCode, display: string): RegsetupError {
  if (error instanceof RegsetupError) return error;
  const e = (error ?? {}) as { code?: string; name?: string; statusCode?: number; json?: unknown; message?: string };
  const errno = e.code ?? (e.name === 'AbortError' || e.name === 'TimeoutError' ? 'ABORT_ERR' : undefined);
  if (errno !== undefined && errno in UNREACHABLE_HINTS) {
    return new RegsetupError('ERR_DOCKER_UNREACHABLE', `Cannot connect to the Docker daemon at ${display} (${errno}). Is the docker daemon running?`, {
      hint: UNREACHABLE_HINTS[errno],
      cause: error,
    });
  }
  return new RegsetupError(code, apiMessage(e), { cause: error });
}

/** The daemon's message from an API error: {"message": …} body, else modem's text. */
export function apiMessage(error: { statusCode?: number; json?: unknown; message?: string }): string {
  const json = error.json;
  if (json !== null && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string') {
    return (json as { message: string }).message.trim();
  }
  if (typeof json === 'string' && json.trim() !== '') return json.trim();
  // Streaming endpoints (pull, push) leave json empty and put the body in the message,
  // behind docker-modem's "(HTTP code 500) server error - " prefix: keep the daemon's words only.
  return (error.message ?? String(error)).replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}
