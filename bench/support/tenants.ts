import { expectedRoutes } from '../../lib/domain/expected-routes';

/** Tenant i's /29 in the egress supernet 10.99.0.0/16, in allocation order (32 per /24). */
export const benchCidr = (i: number): string => `10.99.${Math.floor(i / 32)}.${(i % 32) * 8}/29`;

/** The two /31 blocks tenant i's two gateway pods take and the route reflectors advertise (the first two candidates). */
export const gatewayBlocks = (i: number): string[] => expectedRoutes({ tenant: `t${i}`, cidr: benchCidr(i), replicas: 2 }).candidates.slice(0, 2);
