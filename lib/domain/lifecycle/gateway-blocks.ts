import { formatPrefix, parseIpv4Address } from '../ipv4';

/**
 * The /31 block a gateway pod's address lives in: Calico IPAM gives each egress gateway pod a /31
 * block of the tenant pool, and that block (not the /32) is the route Route Server learns.
 */
export function blockOf31(podIp: string): string {
  const address = parseIpv4Address(podIp);
  if (address === undefined) throw new Error(`pod IP "${podIp}" is not an IPv4 address`);
  return formatPrefix({ base: address - (address % 2), length: 31 });
}
