/**
 * CONTRACT between the app's configuration schema (lib/domain/config.ts `appSettings`) and the Function
 * App's app settings in Terraform (infra/app-settings.tf + infra/modules/function-app): it fails when
 * either side changes alone.
 */
import path from 'node:path';
import { appSettings } from '../../lib/domain/config';
import { type ModuleTree } from './hcl';
import { checkAppSettingsContract, literalKeys, type ContractSetting } from './policy-checks';
import { INFRA, loadInfra, mustGet } from './support';

/**
 * Settings read by the Functions host or platform, not by the app: each is allowed in Terraform's
 * function-app module only with a reason.
 */
export const HOST_LEVEL_SETTINGS: ReadonlyMap<string, string> = new Map([
  ['AzureWebJobsStorage__accountName', 'host storage (leases, timers, durable task hub) reached with the app identity instead of a key'],
  ['AzureWebJobsStorage__credential', 'tells the host to authenticate AzureWebJobsStorage with the managed identity'],
  ['APPLICATIONINSIGHTS_CONNECTION_STRING', 'where the host sends telemetry'],
  ['APPLICATIONINSIGHTS_AUTHENTICATION_STRING', 'Entra-authenticated telemetry (the Application Insights resource has local auth disabled)'],
  ['AzureFunctionsJobHost__extensions__durableTask__hubName', 'durable task hub name: overrides host.json extensions.durableTask.hubName'],
  ['WEBSITE_RUN_FROM_PACKAGE', 'Elastic Premium only: run the app from the package blob'],
  ['DURABLE_TASK_SCHEDULER_CONNECTION_STRING', 'Durable Task Scheduler backend only: its endpoint with Authentication=ManagedIdentity (no secret)'],
  ['AzureFunctionsJobHost__extensions__durableTask__storageProvider__type', 'Durable Task Scheduler backend only: host.json storageProvider.type = azureManaged'],
  ['AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName', 'Durable Task Scheduler backend only: the app setting holding its connection string'],
  ['WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID', 'Elastic Premium only: read the package blob with the system-assigned identity'],
]);

let tree: ModuleTree;
beforeAll(async () => {
  tree = await loadInfra();
});

const contract = (schema: ReadonlyArray<ContractSetting> = appSettings) =>
  checkAppSettingsContract({
    root: mustGet(tree, INFRA),
    functionModule: mustGet(tree, path.join(INFRA, 'modules/function-app')),
    functionCallName: 'function_app',
    schema,
    hostLevel: HOST_LEVEL_SETTINGS,
  });

describe('app settings contract (lib/domain/config.ts ↔ infra/)', () => {
  it('Terraform sets every required setting, only settings the app reads, no secret, and only documented host-level settings', () => {
    expect(contract()).toEqual([]);
  });

  it('fails when the app starts requiring a setting Terraform does not set', () => {
    const grown = [...appSettings, { name: 'NEW_REQUIRED_SETTING', required: true, description: 'test' }];
    expect(contract(grown)).toEqual(['app setting NEW_REQUIRED_SETTING is required by the app but not set by Terraform']);
  });

  it('fails when the app stops reading a setting Terraform still sets', () => {
    const pruned = appSettings.filter((s) => s.name !== 'EGRESS_SUPERNET');
    expect(contract(pruned)).toEqual(['app setting EGRESS_SUPERNET is set by Terraform but the app does not read it']);
  });

  it('sets the identity-based registry endpoint, never the local-only connection string', () => {
    const keys = literalKeys(mustGet(tree, INFRA).locals.get('app_settings')) ?? [];
    expect(keys).toContain('REGISTRY_TABLE_ENDPOINT');
    expect(keys).not.toContain('REGISTRY_CONNECTION_STRING');
  });

  it('lists a reason for every host-level setting', () => {
    for (const [name, reason] of HOST_LEVEL_SETTINGS) expect({ name, reason: reason.length > 10 }).toEqual({ name, reason: true });
  });
});
