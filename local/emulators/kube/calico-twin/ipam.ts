/**
 * Calico IPAM, reduced to what the routes depend on: a pool is cut into blocks of `blockSize`; a block
 * is affine to one node; an address for a workload on node N comes from a block affine to N with room,
 * else from the lowest unclaimed block, which then becomes affine to N, else — unless strictAffinity —
 * it is borrowed from another node's block (Calico then advertises it as a /32 from N).
 * Empty blocks are released. Pure state, no I/O; addresses are IPv4 only.
 */
export interface PoolInfo { name: string; cidr: string; blockSize: number; disabled: boolean }
export interface BlockInfo {
  cidr: string; pool: string; node: string;
  /** address → handle (namespace/pod) */
  allocations: Record<string, string>;
  /** addresses of this block used by workloads on other nodes */
  borrowed: Array<{ ip: string; node: string }>;
}

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function parseCidr(cidr: string): { base: number; prefix: number } {
  const [ip = '', p = '32'] = cidr.split('/');
  const prefix = Number(p);
  const size = 2 ** (32 - prefix);
  return { base: Math.floor(ipToInt(ip) / size) * size, prefix };
}

export function cidrContains(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  return i.prefix >= o.prefix && Math.floor(i.base / 2 ** (32 - o.prefix)) === Math.floor(o.base / 2 ** (32 - o.prefix));
}

export class Ipam {
  /** block cidr → block */
  private readonly blocks = new Map<string, { cidr: string; pool: string; node: string; base: number; size: number; allocations: Map<string, string> }>();
  /** handle (e.g. namespace/pod) → address */
  private readonly handles = new Map<string, { ip: string; block: string; node: string }>();

  constructor(private readonly strictAffinity = false) {}

  /** Returns the address for `handle` (existing, or newly assigned), or undefined when the pool is full. */
  assign(pool: PoolInfo, node: string, handle: string): string | undefined {
    const existing = this.handles.get(handle);
    if (existing) return existing.ip;
    if (pool.disabled || !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(pool.cidr)) return undefined;
    const blockSize = 2 ** (32 - pool.blockSize);
    const affine = [...this.blocks.values()].filter((b) => b.pool === pool.name && b.node === node).sort((a, b) => a.base - b.base);
    for (const b of affine) {
      const ip = this.freeAddress(b.base, b.size, b.allocations);
      if (ip) return this.record(b.cidr, ip, handle, b.allocations, node);
    }
    const { base, prefix } = parseCidr(pool.cidr);
    const count = 2 ** (pool.blockSize - prefix);
    for (let i = 0; i < count; i++) {
      const blockBase = base + i * blockSize;
      const cidr = `${intToIp(blockBase)}/${pool.blockSize}`;
      if (this.blocks.has(cidr)) continue;
      const block = { cidr, pool: pool.name, node, base: blockBase, size: blockSize, allocations: new Map<string, string>() };
      this.blocks.set(cidr, block);
      const ip = this.freeAddress(blockBase, blockSize, block.allocations);
      return ip ? this.record(cidr, ip, handle, block.allocations, node) : undefined;
    }
    if (this.strictAffinity) return undefined;
    const others = [...this.blocks.values()].filter((b) => b.pool === pool.name).sort((a, b) => a.base - b.base);
    for (const b of others) {
      const ip = this.freeAddress(b.base, b.size, b.allocations);
      if (ip) return this.record(b.cidr, ip, handle, b.allocations, node);
    }
    return undefined;
  }

  /** Claims a block for `node` without assigning an address (a node's own pod block). */
  claimBlock(pool: PoolInfo, node: string): string | undefined {
    const has = [...this.blocks.values()].find((b) => b.pool === pool.name && b.node === node);
    if (has) return has.cidr;
    const ip = this.assign(pool, node, `block-holder:${pool.name}:${node}`);
    return ip ? this.handles.get(`block-holder:${pool.name}:${node}`)?.block : undefined;
  }

  release(handle: string): void {
    const h = this.handles.get(handle);
    if (!h) return;
    this.handles.delete(handle);
    const block = this.blocks.get(h.block);
    if (!block) return;
    block.allocations.delete(h.ip);
    if (block.allocations.size === 0) this.blocks.delete(h.block);
  }

  /** Releases every block of a node (the node left the cluster). */
  releaseNode(node: string): void {
    for (const [cidr, b] of [...this.blocks]) {
      if (b.node !== node) continue;
      for (const handle of b.allocations.values()) this.handles.delete(handle);
      this.blocks.delete(cidr);
    }
  }

  /** Releases every block of a pool that no longer exists. */
  releasePool(pool: string): void {
    for (const [cidr, b] of [...this.blocks]) {
      if (b.pool !== pool) continue;
      for (const handle of b.allocations.values()) this.handles.delete(handle);
      this.blocks.delete(cidr);
    }
  }

  addressOf(handle: string): string | undefined {
    return this.handles.get(handle)?.ip;
  }

  blockList(): BlockInfo[] {
    return [...this.blocks.values()].sort((a, b) => a.base - b.base).map((b) => ({
      cidr: b.cidr, pool: b.pool, node: b.node, allocations: Object.fromEntries(b.allocations),
      borrowed: [...b.allocations].flatMap(([ip, handle]) => {
        const user = this.handles.get(handle)?.node;
        return user !== undefined && user !== b.node ? [{ ip, node: user }] : [];
      }),
    }));
  }

  /** Puts back what `blockList()` showed (after a restart): blocks, their affinity, every handle's address and node. */
  restore(blocks: readonly BlockInfo[]): void {
    this.blocks.clear();
    this.handles.clear();
    for (const b of blocks) {
      const { base, prefix } = parseCidr(b.cidr);
      const borrowedBy = new Map(b.borrowed.map((x) => [x.ip, x.node]));
      const allocations = new Map(Object.entries(b.allocations));
      this.blocks.set(b.cidr, { cidr: b.cidr, pool: b.pool, node: b.node, base, size: 2 ** (32 - prefix), allocations });
      for (const [ip, handle] of allocations) this.handles.set(handle, { ip, block: b.cidr, node: borrowedBy.get(ip) ?? b.node });
    }
  }

  private freeAddress(base: number, size: number, allocations: Map<string, string>): string | undefined {
    for (let i = 0; i < size; i++) {
      const ip = intToIp(base + i);
      if (!allocations.has(ip)) return ip;
    }
    return undefined;
  }

  private record(block: string, ip: string, handle: string, allocations: Map<string, string>, node: string): string {
    allocations.set(ip, handle);
    this.handles.set(handle, { ip, block, node });
    return ip;
  }
}
