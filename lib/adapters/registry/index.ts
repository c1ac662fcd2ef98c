/**
 * The registry: tenant records and CIDR claims in Azure Table Storage.
 * `createRegistry` works with a connection string (Azurite, local runs) or a table endpoint plus a
 * token credential (Azure, e.g. DefaultAzureCredential), and creates its tables when missing.
 */
import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import { TableCidrClaims, type CidrClaims, type PoolOptions, type RetryTuning } from './cidr-claims';
import { tableNames, DEFAULT_TABLE_PREFIX, type TableNames } from './keys';
import { TableTenantRegistry, type TenantRegistry } from './tenant-registry';

export type RegistryConnection =
  | { readonly connectionString: string }
  | { readonly endpoint: string; readonly credential: TokenCredential };

export interface RegistryOptions {
  /** REGISTRY_TABLE_PREFIX; default "egress" → tables egressTenants, egressCidrClaims. */
  readonly tablePrefix?: string;
  /** The egress pool CIDR claims are carved from. */
  readonly pool: PoolOptions;
  /** Clock for record timestamps (tests pin it). */
  readonly clock?: () => Date;
  readonly retry?: RetryTuning;
  /** Extra SDK client options, e.g. `additionalPolicies` (the allocator benchmark counts requests with one). */
  readonly clientOptions?: TableServiceClientOptions;
}

export interface Registry<Spec = unknown> {
  readonly tenants: TenantRegistry<Spec>;
  readonly claims: CidrClaims;
  readonly tables: TableNames;
}

function tableClient(connection: RegistryConnection, table: string, clientOptions: TableServiceClientOptions): TableClient {
  if ('connectionString' in connection) {
    // Azurite speaks plain http; the SDK refuses shared-key auth over http unless told it is intended.
    const insecure = /DefaultEndpointsProtocol=http(;|$)|TableEndpoint=http:\/\//i.test(connection.connectionString);
    return TableClient.fromConnectionString(connection.connectionString, table, { ...clientOptions, allowInsecureConnection: insecure });
  }
  return new TableClient(connection.endpoint, table, connection.credential, clientOptions);
}

/** Connects to the registry tables, creating them if missing (two idempotent create calls). */
export async function createRegistry<Spec = unknown>(connection: RegistryConnection, options: RegistryOptions): Promise<Registry<Spec>> {
  const tables = tableNames(options.tablePrefix ?? DEFAULT_TABLE_PREFIX);
  const clientOptions = options.clientOptions ?? {};
  const tenantsTable = tableClient(connection, tables.tenants, clientOptions);
  const claimsTable = tableClient(connection, tables.claims, clientOptions);
  await Promise.all([tenantsTable.createTable(), claimsTable.createTable()]);
  return {
    tenants: new TableTenantRegistry<Spec>(tenantsTable, options.clock),
    claims: new TableCidrClaims(claimsTable, options.pool, options.clock, options.retry),
    tables,
  };
}

/** The configuration fields the registry needs (structurally the app's `Config` from lib/domain/config.ts). */
export interface RegistrySettings {
  readonly registry: { readonly kind: 'endpoint'; readonly endpoint: string } | { readonly kind: 'connectionString'; readonly connectionString: string };
  readonly registryTablePrefix: string;
  readonly egressSupernet: string;
  readonly egressReservedCidrs: readonly string[];
}

/**
 * The registry as configured: connection string (Azurite) or table endpoint with
 * `DefaultAzureCredential` (managed identity in Azure); `credential` overrides the latter.
 */
export function createRegistryFromSettings<Spec = unknown>(
  settings: RegistrySettings,
  extra: Omit<RegistryOptions, 'tablePrefix' | 'pool'> & { credential?: TokenCredential } = {},
): Promise<Registry<Spec>> {
  const { credential, ...options } = extra;
  const connection: RegistryConnection = settings.registry.kind === 'connectionString'
    ? { connectionString: settings.registry.connectionString }
    : { endpoint: settings.registry.endpoint, credential: credential ?? new DefaultAzureCredential() };
  return createRegistry<Spec>(connection, {
    ...options,
    tablePrefix: settings.registryTablePrefix,
    pool: { supernet: settings.egressSupernet, reserved: settings.egressReservedCidrs },
  });
}

export type { CidrClaims, BlockClaim, ClaimState, PoolOptions, PoolReport, RetryTuning } from './cidr-claims';
export type { TenantRegistry, TenantRecord, TenantPhase, TenantChange, TenantError, NewTenant, Page, PageOptions } from './tenant-registry';
export { TENANT_PHASES, TableTenantRegistry, everyItem } from './tenant-registry';
export { TableCidrClaims } from './cidr-claims';
export { tableNames, DEFAULT_TABLE_PREFIX, type TenantKey, type TableNames } from './keys';
export { AllocationContentionError, ClaimStateError, ConcurrencyError, CorruptRecordError, retryOnConcurrency } from './errors';
export { PoolExhaustedError } from '../../domain/cidr-allocation';
