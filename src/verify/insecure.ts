import { BlockList, isIP } from 'node:net';
import type { DockerInfo } from '../host/docker-api.js';

// dockerd's rule (registry/config.go isSecureIndex): a name listed in IndexConfigs decides;
// otherwise the registry is insecure when one of its IPs is inside an insecure CIDR.
export function isInsecure(hostPort: string, addresses: string[], info: DockerInfo | undefined, fileEntries: string[]): boolean {
  const named = info?.indexConfigs[hostPort];
  if (named) return !named.secure;
  const entries = info ? info.insecureRegistryCidrs : fileEntries;
  if (!info && fileEntries.some((e) => e.toLowerCase() === hostPort.toLowerCase())) return true;
  const cidrs = [...entries, ...(info ? [] : ['127.0.0.0/8'])].filter((e) => e.includes('/'));
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [net, bits] = cidr.split('/');
    const family = isIP(net ?? '') === 6 ? 'ipv6' : 'ipv4';
    if (isIP(net ?? '')) list.addSubnet(net!, Number(bits), family);
  }
  return addresses.some((a) => isIP(a) !== 0 && list.check(a, isIP(a) === 6 ? 'ipv6' : 'ipv4'));
}
