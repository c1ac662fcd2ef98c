/**
 * Table names and row keys. Table Storage keys may not contain / \ # ? or control characters, so
 * every free-text part of a key is escaped; the escaping is injective, so distinct tenants never share a row.
 */
import { type Cidr } from '../../domain/cidr';

/** A tenant is named within its cluster. */
export interface TenantKey {
  readonly cluster: string;
  readonly name: string;
}

export const DEFAULT_TABLE_PREFIX = 'egress';

export interface TableNames {
  readonly tenants: string;
  readonly claims: string;
}

/** Table names from REGISTRY_TABLE_PREFIX: letters/digits, starting with a letter (Table Storage's rule). */
export function tableNames(prefix: string = DEFAULT_TABLE_PREFIX): TableNames {
  if (!/^[A-Za-z][A-Za-z0-9]{0,39}$/.test(prefix)) {
    throw new Error(`tablePrefix: must be 1..40 letters/digits starting with a letter, got "${prefix}"`);
  }
  return { tenants: `${prefix}Tenants`, claims: `${prefix}CidrClaims` };
}

/** Escapes every character outside [A-Za-z0-9.-] as `_XX` (UTF-8 bytes, upper-case hex). */
export function escapeKeyPart(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9.-]/.test(ch) ? ch : `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Refuses empty or absurdly long key parts before they reach storage (keys are at most 1 KiB). */
export function assertTenantKey(key: TenantKey): void {
  for (const field of ['cluster', 'name'] as const) {
    const value: unknown = key[field];
    if (typeof value !== 'string' || value.length === 0 || value.length > 253) {
      throw new RangeError(`tenant.${field}: must be a non-empty string of at most 253 characters, got ${JSON.stringify(value)}`);
    }
  }
}

export function describeTenant(key: TenantKey): string {
  return `${key.cluster}/${key.name}`;
}

/** One partition per pool: every row an allocation touches is in it, so one transaction can hold them all. */
export function poolPartitionKey(supernet: Cidr): string {
  return `pool-${supernet.start.toString(16).padStart(8, '0')}-${supernet.prefixLength}`;
}

export const INDEX_ROW_KEY = 'index';

export function tenantClaimRowKey(key: TenantKey): string {
  return `t:${escapeKeyPart(key.cluster)}:${escapeKeyPart(key.name)}`;
}

/** Block rows sort by address: `b:` + 8 hex digits of the network address. */
export function blockRowKey(block: Cidr): string {
  return `b:${block.start.toString(16).padStart(8, '0')}`;
}
export const BLOCK_ROW_RANGE = { from: 'b:', to: 'b;' } as const;
