/**
 * Programmatic entry (the CLI is the usual one): `startHost(loadConfig({ appDir }))` runs the host in THIS process
 * (it installs the @azure/functions-core shim, so only one host per process, before anything loads @azure/functions).
 */
export { loadConfig, ConfigError, type HostConfig, type CliOptions } from './config';
export { startHost, type RunningHost, type HostOptions } from './host';
export { LeaseError } from './durable/hostTable';
export { durableClientData, managementUrls, webhookPath } from './durable/clientData';
