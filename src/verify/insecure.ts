import type { DockerInfo } from '../host/docker-api.js';
import { inCidrs } from '../host/ip.js';

// dockerd's rule (registry/config.go isSecureIndex): a name listed in IndexConfigs decides;
// otherwise the registry is insecure when one of its IPs is inside an insecure CIDR.
export function isInsecure(hostPort: string, addresses: string[], info: DockerInfo | undefined, fileEntries: string[]): boolean {
  const named = info?.indexConfigs[hostPort];
  if (named) return !named.secure;
  const entries = info ? info.insecureRegistryCidrs : fileEntries;
  if (!info && fileEntries.some((e) => e.toLowerCase() === hostPort.toLowerCase())) return true;
  const cidrs = [...entries, ...(info ? [] : ['127.0.0.0/8'])].filter((e) => e.includes('/'));
  return addresses.some((a) => inCidrs(a, cidrs));
}
