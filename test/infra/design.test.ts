/**
 * The deployment's design decisions, read from the parsed Terraform: what issue 7 asks infra/ to deploy
 * (BYO CNI, UDR through the firewall, Entra + Azure RBAC, Route Server transit, identity-only storage,
 * Event Grid filters...). A refactor that silently drops one of them fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import installationSchema from './fixtures/installation-v3.32.1.json';
import { type Json, type ModuleTree, type TfModule } from './hcl';
import { checkLiteralObject } from './schema-checks';
import { INFRA, loadInfra, mustGet } from './support';

let tree: ModuleTree;
beforeAll(async () => {
  tree = await loadInfra();
});

type Obj = { [key: string]: Json };
const mod = (rel: string): TfModule => mustGet(tree, path.join(INFRA, rel));
const resource = (rel: string, key: string): Obj => {
  const r = mod(rel).resources.get(key);
  if (!r) throw new Error(`${rel}: resource ${key} not found`);
  return r;
};
/** First block of a nested block list (hcl2json renders blocks as arrays). */
const block = (o: Obj, name: string): Obj => {
  const v = o[name];
  const first = Array.isArray(v) ? v[0] : v;
  if (typeof first !== 'object' || first === null || Array.isArray(first)) throw new Error(`block ${name} not found`);
  return first;
};
const variableDefault = (rel: string, name: string): Json | undefined => mod(rel).variables.get(name)?.default;

describe('hub', () => {
  it('hub VNet 10.0.0.0/22 with AzureFirewallSubnet 10.0.0.0/24 and RouteServerSubnet 10.0.1.0/24 by default', () => {
    expect(variableDefault('.', 'hub_address_space')).toEqual(['10.0.0.0/22']);
    expect(variableDefault('.', 'firewall_subnet_prefix')).toBe('10.0.0.0/24');
    expect(variableDefault('.', 'route_server_subnet_prefix')).toBe('10.0.1.0/24');
    expect(resource('modules/hub-network', 'azurerm_subnet.firewall').name).toBe('AzureFirewallSubnet');
    expect(resource('modules/hub-network', 'azurerm_subnet.route_server').name).toBe('RouteServerSubnet');
  });

  it('Azure Firewall Standard is governed by a Firewall Policy, not classic rule collections', () => {
    const fw = resource('modules/firewall', 'azurerm_firewall.this');
    expect(fw).toMatchObject({ sku_name: 'AZFW_VNet', sku_tier: 'Standard', firewall_policy_id: '${azurerm_firewall_policy.this.id}' });
    for (const classic of ['application_rule_collection', 'network_rule_collection', 'nat_rule_collection']) {
      expect([...mod('modules/firewall').resources.keys()].some((k) => k.startsWith(`azurerm_firewall_${classic}.`))).toBe(false);
    }
    expect(resource('modules/firewall', 'azurerm_firewall_policy.this')).toMatchObject({ sku: 'Standard' });
  });

  it('the base rule collection group allows what AKS needs: FQDN tag, control-plane ports, NTP', () => {
    const rcg = resource('modules/firewall', 'azurerm_firewall_policy_rule_collection_group.aks_base');
    const text = JSON.stringify(rcg);
    expect(text).toContain('"destination_fqdn_tags":["AzureKubernetesService"]');
    expect(text).toContain('"destination_ports":["9000"]');
    expect(text).toContain('"destination_ports":["1194"]');
    expect(text).toContain('"destination_ports":["123"]');
  });

  it('spokes (and so AKS) only get the firewall IP once the AKS base rules exist', () => {
    expect(mod('modules/firewall').outputs.get('private_ip_address')?.depends_on).toEqual(['${azurerm_firewall_policy_rule_collection_group.aks_base}']);
  });

  it('firewall logs go to Log Analytics in resource-specific tables: application, network and DNS proxy', () => {
    const diag = resource('modules/firewall', 'azurerm_monitor_diagnostic_setting.firewall');
    expect(diag.log_analytics_destination_type).toBe('Dedicated');
    expect(variableDefault('modules/firewall', 'log_categories')).toEqual(expect.arrayContaining(['AZFWApplicationRule', 'AZFWNetworkRule', 'AZFWDnsQuery']));
  });

  it('Route Server is Standard with a Standard public IP and branch-to-branch as a variable', () => {
    expect(resource('modules/route-server', 'azurerm_route_server.this')).toMatchObject({ sku: 'Standard', branch_to_branch_traffic_enabled: '${var.branch_to_branch_traffic_enabled}' });
    expect(resource('modules/route-server', 'azurerm_public_ip.route_server')).toMatchObject({ sku: 'Standard', allocation_method: 'Static' });
  });

  it('never manages Route Server BGP connections (the app owns them)', () => {
    for (const m of tree.values()) {
      const bgp = [...m.resources.entries()]
        .filter(([k, body]) => /bgp_connection/.test(k) || (k.startsWith('azapi_') && /bgpConnections/i.test(String(body.type))))
        .map(([k]) => k);
      expect({ dir: m.dir, bgp }).toEqual({ dir: m.dir, bgp: [] });
    }
  });
});

describe('spokes', () => {
  it('are a map of spokes, each with a network and a cluster', () => {
    expect(mod('.').variables.get('spokes')?.type).toMatch(/^\$\{map\(object\(/);
    expect(mod('.').moduleCalls.get('spoke_network')?.for_each).toBe('${var.spokes}');
    expect(mod('.').moduleCalls.get('aks')?.for_each).toBe('${var.spokes}');
  });

  it('route 0.0.0.0/0 to the firewall private IP', () => {
    const route = block(resource('modules/spoke-network', 'azurerm_route_table.aks'), 'route');
    expect(route).toMatchObject({ address_prefix: '0.0.0.0/0', next_hop_type: 'VirtualAppliance', next_hop_in_ip_address: '${var.firewall_private_ip}' });
    expect(mod('.').moduleCalls.get('spoke_network')?.firewall_private_ip).toBe('${module.firewall.private_ip_address}');
  });

  it('peer with the hub: gateway transit on the hub side, remote gateways (Route Server) on the spoke side', () => {
    expect(resource('modules/spoke-network', 'azurerm_virtual_network_peering.hub_to_spoke')).toMatchObject({ allow_gateway_transit: true, allow_forwarded_traffic: true });
    expect(resource('modules/spoke-network', 'azurerm_virtual_network_peering.spoke_to_hub')).toMatchObject({ use_remote_gateways: '${var.use_remote_gateways}', allow_forwarded_traffic: true });
    expect(variableDefault('modules/spoke-network', 'use_remote_gateways')).toBe(true);
    expect(mod('.').moduleCalls.get('spoke_network')?.depends_on).toEqual(['${module.route_server}']);
  });

  it('AKS: BYO CNI, user-defined routing, Entra ID with Azure RBAC, no local accounts, zones', () => {
    const aks = resource('modules/aks-cluster', 'azurerm_kubernetes_cluster.this');
    expect(block(aks, 'network_profile')).toMatchObject({ network_plugin: 'none', outbound_type: 'userDefinedRouting' });
    expect(block(aks, 'azure_active_directory_role_based_access_control')).toMatchObject({ azure_rbac_enabled: true });
    expect(aks.local_account_disabled).toBe(true);
    expect(block(aks, 'default_node_pool').zones).toBe('${var.zones}');
    expect(variableDefault('modules/aks-cluster', 'zones')).toEqual(['1', '2', '3']);
  });

  it('AKS service CIDR stays clear of the hub, where Route Server lives', () => {
    expect(variableDefault('.', 'aks_service_cidr')).toBe('172.16.0.0/16');
    expect(block(resource('modules/aks-cluster', 'azurerm_kubernetes_cluster.this'), 'network_profile').service_cidr).toBe('${var.service_cidr}');
  });

  it('the Installation passed to the operator conforms to the Calico v3.32 Installation CRD: AKS, Calico CNI, BGP on, default pool not exported', () => {
    const installation = mod('modules/calico-operator').locals.get('installation')!;
    expect(checkLiteralObject(installation, installationSchema, 'modules/calico-operator local.installation')).toEqual([]);
    expect(installation).toMatchObject({ kubernetesProvider: 'AKS', cni: { type: 'Calico' }, calicoNetwork: { bgp: 'Enabled' } });
    expect(installation).toMatchObject({ calicoNetwork: { ipPools: [{ name: 'default-ipv4-ippool', disableBGPExport: true }] } });
    expect(resource('modules/calico-operator', 'helm_release.tigera_operator').values).toEqual(['${yamlencode({ installation = merge({ enabled = true }, local.installation) })}']);
  });

  it('the Tigera operator chart is installed with the Calico version as a variable', () => {
    const release = resource('modules/calico-operator', 'helm_release.tigera_operator');
    expect(release).toMatchObject({ chart: 'tigera-operator', version: '${var.calico_version}' });
    expect(mod('calico').moduleCalls.get('calico')?.calico_version).toBe('${var.calico_version}');
  });
});

describe('function app', () => {
  const fn = 'modules/function-app';

  it('hosting is Flex Consumption or Elastic Premium, chosen by a variable', () => {
    expect(resource(fn, 'azapi_resource.flex').count).toBe('${local.flex ? 1 : 0}');
    expect(resource(fn, 'azurerm_linux_function_app.premium').count).toBe('${local.flex ? 0 : 1}');
    expect(resource(fn, 'azurerm_service_plan.this').sku_name).toBe('${local.flex ? "FC1" : var.premium_sku}');
  });

  it('runs Node 22 with a system-assigned identity on both plans', () => {
    const flex = resource(fn, 'azapi_resource.flex');
    expect(JSON.stringify(flex.body)).toContain('"runtime":{"name":"node","version":"22"}');
    expect(block(flex, 'identity').type).toBe('SystemAssigned');
    const premium = resource(fn, 'azurerm_linux_function_app.premium');
    expect(block(block(premium, 'site_config'), 'application_stack').node_version).toBe('22');
    expect(block(premium, 'identity').type).toBe('SystemAssigned');
  });

  it('uses identity-based storage only: keys disabled on the account, no key in any setting', () => {
    expect(resource(fn, 'azurerm_storage_account.this').shared_access_key_enabled).toBe(false);
    expect(JSON.stringify(resource(fn, 'azapi_resource.flex').body)).toContain('"authentication":{"type":"SystemAssignedIdentity"}');
    expect(resource(fn, 'azurerm_linux_function_app.premium').storage_uses_managed_identity).toBe(true);
    expect(mod(fn).locals.get('host_app_settings')).toMatchObject({ AzureWebJobsStorage__credential: 'managedidentity' });
  });

  it('integrates into the hub subnet and reports to workspace-based Application Insights', () => {
    expect(JSON.stringify(resource(fn, 'azapi_resource.flex').body)).toContain('"virtualNetworkSubnetId":"${var.subnet_id}"');
    expect(resource(fn, 'azurerm_linux_function_app.premium').virtual_network_subnet_id).toBe('${var.subnet_id}');
    expect(resource(fn, 'azurerm_application_insights.this')).toMatchObject({ workspace_id: '${var.log_analytics_workspace_id}', local_authentication_enabled: false });
    expect(mod('.').moduleCalls.get('function_app')?.subnet_id).toBe('${module.hub_network.function_subnet_id}');
  });
});

describe('web console sign-in (App Service authentication with Entra ID)', () => {
  const fn = 'modules/function-app';

  it('is an option, off by default, passed from the root', () => {
    expect(mod(fn).variables.get('entra_auth')?.default).toBeNull();
    expect(mod('.').variables.get('function_app_entra_auth')?.default).toBeNull();
    expect(mod('.').moduleCalls.get('function_app')?.entra_auth).toBe('${var.function_app_entra_auth}');
  });

  it('Elastic Premium: auth_settings_v2 only when set, Entra ID of the given tenant, unauthenticated requests still reach the API and the Event Grid webhook', () => {
    const premium = resource(fn, 'azurerm_linux_function_app.premium');
    const dyn = block(block(premium, 'dynamic'), 'auth_settings_v2');
    expect(dyn.for_each).toBe('${var.entra_auth == null ? [] : [var.entra_auth]}');
    const content = block(dyn, 'content');
    expect(content).toMatchObject({ auth_enabled: true, require_authentication: false, unauthenticated_action: 'AllowAnonymous', default_provider: 'azureactivedirectory', require_https: true });
    expect(block(content, 'active_directory_v2')).toMatchObject({
      client_id: '${auth_settings_v2.value.client_id}',
      tenant_auth_endpoint: 'https://login.microsoftonline.com/${auth_settings_v2.value.tenant_id}/v2.0',
      allowed_groups: '${auth_settings_v2.value.allowed_groups}',
    });
  });

  it('Flex Consumption: the same settings as the site\'s authsettingsV2 config, only when set', () => {
    const auth = resource(fn, 'azapi_resource.entra_auth');
    expect(auth).toMatchObject({ type: 'Microsoft.Web/sites/config@2024-04-01', name: 'authsettingsV2', parent_id: '${azapi_resource.flex[0].id}', count: '${local.flex && var.entra_auth != null ? 1 : 0}' });
    const body = JSON.stringify(auth.body);
    expect(body).toContain('"requireAuthentication":false');
    expect(body).toContain('"unauthenticatedClientAction":"AllowAnonymous"');
    expect(body).toContain('"openIdIssuer":"https://login.microsoftonline.com/${var.entra_auth.tenant_id}/v2.0"');
    expect(body).toContain('"groups":"${var.entra_auth.allowed_groups}"');
  });

  it('WEBSITE_AUTH_ENABLED stays the platform\'s: no .tf file sets it, since the console trusts x-ms-client-principal headers only when App Service itself says its module is on', () => {
    const tfFiles = (readdirSync(INFRA, { recursive: true }) as string[]).filter((f) => f.endsWith('.tf'));
    expect(tfFiles.length).toBeGreaterThan(5);
    const setting = tfFiles.filter((f) => /["']?WEBSITE_AUTH_ENABLED["']?\s*[=:]/.test(readFileSync(path.join(INFRA, f), 'utf8')));
    expect(setting).toEqual([]);
  });
});

describe('event grid', () => {
  const eg = 'modules/event-routing';

  it('resource group topic: ResourceWriteSuccess filtered to managedClusters/write, delivered to the trigger function', () => {
    expect(resource(eg, 'azurerm_eventgrid_system_topic.resource_group')).toMatchObject({ topic_type: 'Microsoft.Resources.ResourceGroups', location: 'global' });
    const sub = resource(eg, 'azurerm_eventgrid_system_topic_event_subscription.cluster_writes');
    expect(sub.included_event_types).toEqual(['Microsoft.Resources.ResourceWriteSuccess']);
    expect(block(block(sub, 'advanced_filter'), 'string_in')).toEqual({ key: 'data.operationName', values: ['Microsoft.ContainerService/managedClusters/write'] });
    expect(block(sub, 'azure_function_endpoint').function_id).toBe('${local.function_id}');
    expect(mod(eg).locals.get('function_id')).toBe('${var.function_app_id}/functions/${var.trigger_function_name}');
    expect(variableDefault(eg, 'trigger_function_name')).toBe('clusterEvents');
  });

  it('AKS topics: node pool rolling started/succeeded/failed, one per cluster', () => {
    expect(resource(eg, 'azurerm_eventgrid_system_topic.cluster')).toMatchObject({ topic_type: 'Microsoft.ContainerService.ManagedClusters', for_each: '${var.clusters}' });
    expect(resource(eg, 'azurerm_eventgrid_system_topic_event_subscription.node_pool_rolling').included_event_types).toEqual([
      'Microsoft.ContainerService.NodePoolRollingStarted',
      'Microsoft.ContainerService.NodePoolRollingSucceeded',
      'Microsoft.ContainerService.NodePoolRollingFailed',
    ]);
  });

  it('the custom topic egress-pilot-events takes Entra-authenticated publishers only, and the app may send', () => {
    expect(variableDefault('modules/app-events-topic', 'name')).toBe('egress-pilot-events');
    expect(resource('modules/app-events-topic', 'azurerm_eventgrid_topic.this').local_auth_enabled).toBe(false);
    expect(resource('modules/app-access', 'azurerm_role_assignment.event_sender')).toMatchObject({ role_definition_name: 'EventGrid Data Sender', scope: '${var.event_topic_id}' });
  });
});

describe('least privilege', () => {
  it('assigns each custom role at its one resource', () => {
    expect(resource('modules/app-access', 'azurerm_role_assignment.route_server').scope).toBe('${var.route_server_id}');
    expect(resource('modules/app-access', 'azurerm_role_assignment.firewall_policy').scope).toBe('${var.firewall_policy_id}');
    // The AKS reader alone sits at the clusters' resource group: the app lists them there (issue 16).
    expect(resource('modules/app-access', 'azurerm_role_assignment.aks').scope).toBe('${var.aks_resource_group_id}');
    expect(resource('modules/app-access', 'azurerm_role_assignment.aks').for_each).toBeUndefined();
    expect(mod('.').moduleCalls.get('app_access')).toMatchObject({ aks_resource_group_id: '${azurerm_resource_group.spokes.id}' });
    expect(mod('.').moduleCalls.get('app_access')).toMatchObject({ route_server_id: '${module.route_server.id}', firewall_policy_id: '${module.firewall.policy_id}' });
  });

  it('grants storage data roles on the app storage account only', () => {
    const storage = resource('modules/function-app', 'azurerm_role_assignment.storage');
    expect(storage.scope).toBe('${azurerm_storage_account.this.id}');
    expect(storage.for_each).toContain('Storage Table Data Contributor');
  });
});
