import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';
import { RegsetupError } from '../core/errors.js';

export interface Reachability {
  addresses: string[];
  connectedTo: string;
}

function tcpConnect(address: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(Object.assign(new Error(`connect ETIMEDOUT ${address}:${port}`), { code: 'ETIMEDOUT' }));
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(error);
    });
  });
}

/** DNS the way dockerd does it (the system resolver, /etc/hosts first), then a TCP connect. */
export async function checkReachable(host: string, port: number, timeoutMs = 5000): Promise<Reachability> {
  let addresses: string[];
  try {
    addresses = (await lookup(host.replace(/^\[|\]$/g, ''), { all: true })).map((a) => a.address);
  } catch (error) {
    throw new RegsetupError('ERR_DNS', `cannot resolve ${host}: ${(error as NodeJS.ErrnoException).code ?? String(error)} (no such host)`, { cause: error });
  }
  const failures: string[] = [];
  for (const address of addresses) {
    try {
      await tcpConnect(address, port, timeoutMs);
      return { addresses, connectedTo: `${address}:${port}` };
    } catch (error) {
      failures.push(`${address}:${port}: ${(error as Error).message}`);
    }
  }
  throw new RegsetupError('ERR_UNREACHABLE', `cannot connect to ${host}:${port} (${failures.join('; ')})`);
}
