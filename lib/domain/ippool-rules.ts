/**
 * Calico IPPool rules the CRD schema cannot express (it allows blockSize 0..128 for any CIDR), checked here:
 * - IPv4 blockSize must be 0..32 and ≥ the pool's prefix length (a block cannot be larger than its pool);
 * - a tenant pool uses /31 blocks and must hold replicas + 1 of them (one spare for rolling restarts);
 * - every block handed out must lie inside the pool.
 */
import { formatPrefix, parseIpv4Cidr, prefixContains, type Ipv4Prefix } from './ipv4';

export const GATEWAY_BLOCK_SIZE = 31;

/** Problems with an IPv4 pool's cidr/blockSize pair; empty when valid. */
export function ipPoolProblems(cidr: string, blockSize: number): string[] {
  const pool = parseIpv4Cidr(cidr);
  if (!pool) return [`cidr "${cidr}" is not an aligned IPv4 CIDR`];
  const problems: string[] = [];
  if (!Number.isInteger(blockSize) || blockSize < 0 || blockSize > 32) problems.push(`blockSize ${blockSize} must be 0..32 for IPv4`);
  else if (blockSize < pool.length) problems.push(`blockSize /${blockSize} is larger than the pool ${cidr}`);
  return problems;
}

/** Problems with a tenant gateway pool: the generic pool rules, /31 blocks, and room for replicas + 1 blocks. */
export function tenantPoolProblems(cidr: string, blockSize: number, replicas: number): string[] {
  const problems = ipPoolProblems(cidr, blockSize);
  if (problems.length > 0) return problems;
  if (blockSize !== GATEWAY_BLOCK_SIZE) problems.push(`blockSize must be ${GATEWAY_BLOCK_SIZE} for a gateway pool (each gateway pod owns one /31)`);
  const pool = parseIpv4Cidr(cidr)!;
  const blocks = 2 ** (blockSize - pool.length);
  if (blocks < replicas + 1) problems.push(`${cidr} holds ${blocks} /${blockSize} block(s); ${replicas} replica(s) need ${replicas + 1}`);
  return problems;
}

/** Blocks (as prefixes) that are not /31s inside the pool; empty when all are. */
export function blocksOutsidePool(pool: Ipv4Prefix, blocks: ReadonlyArray<Ipv4Prefix>): string[] {
  return blocks
    .filter((block) => block.length !== GATEWAY_BLOCK_SIZE || !prefixContains(pool, block))
    .map((block) => `${formatPrefix(block)} is not a /31 inside ${formatPrefix(pool)}`);
}
