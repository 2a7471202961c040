import { sleep, systemClock } from '../host/clock.js';
import { nodeFiles } from '../host/files.js';
import { processes } from '../host/processes.js';
import type { HostPorts } from './types.js';

/** The real host, as the runtimes see it. */
export function realHostPorts(o: { root: string; dockerHost: string | undefined; env: NodeJS.ProcessEnv; uid: number; stateDir: string }): HostPorts {
  return {
    root: o.root,
    files: nodeFiles(),
    processes,
    clock: systemClock,
    sleep,
    env: o.env,
    uid: o.uid,
    stateDir: o.stateDir,
    ...(o.dockerHost === undefined ? {} : { dockerHost: o.dockerHost }),
  };
}
