import { BlockList, isIP } from 'node:net';

/** True when `address` is an IP inside one of the CIDRs (entries that are not CIDRs are ignored). */
export function inCidrs(address: string, cidrs: readonly string[]): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [net, bits] = cidr.split('/');
    const f = isIP(net ?? '');
    if (f !== 0 && bits !== undefined) list.addSubnet(net!, Number(bits), f === 6 ? 'ipv6' : 'ipv4');
  }
  return list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}
