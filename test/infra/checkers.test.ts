/**
 * Each checker (language-checks.ts, policy-checks.ts, schema-checks.ts) must be able to fail: a small bad module makes it report the problem, and the
 * same module fixed passes. Modules are parsed from inline HCL with the real parser.
 */
import { parseModule, type ModuleTree, type TfModule } from './hcl';
import { checkDeclarations, checkFunctions, checkModuleCalls, checkReferences, checkUnusedVariables } from './language-checks';
import { checkAppSettingsContract, checkAssignmentScopes, checkNoSecretLiterals, checkProviderPins, checkRoleActions, checkSensitive } from './policy-checks';
import { checkArguments, checkAzapiBody, checkLiteralObject, checkProviderSchema, namesNewerThan, uncoveredTypes, type ProviderSchema } from './schema-checks';

const mod = (dir: string, hcl: string) => parseModule(dir, { 'main.tf': hcl });
const treeOf = (...mods: TfModule[]): ModuleTree => new Map(mods.map((m) => [m.dir, m]));

const child = `
variable "name" {
  type        = string
  description = "n"
}
variable "size" {
  type        = number
  description = "s"
  default     = 1
}
output "id" {
  description = "i"
  value       = var.name
}
`;

describe('parseModule', () => {
  it('rejects HCL syntax errors, naming the file', async () => {
    await expect(parseModule('/bad', { 'broken.tf': 'resource "a" "b" {' })).rejects.toThrow(/broken\.tf/);
  });
});

describe('checkModuleCalls', () => {
  it('reports a missing source, an undeclared argument and a missing required variable', async () => {
    const c = await mod('/root/modules/c', child);
    const root = await mod('/root', `
module "ok" {
  source = "./modules/c"
  name   = "x"
}
module "unknown_arg" {
  source = "./modules/c"
  name   = "x"
  colour = "red"
}
module "missing_required" {
  source = "./modules/c"
  size   = 2
}
module "nowhere" {
  source = "./modules/nope"
}
module "registry" {
  source  = "Azure/avm-res-network/azurerm"
  version = "1.0.0"
}`);
    const problems = checkModuleCalls(root, treeOf(root, c));
    expect(problems).toHaveLength(4);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringContaining('module "unknown_arg": argument "colour" is not a variable'),
      expect.stringContaining('module "missing_required": required variable "name"'),
      expect.stringContaining('module "nowhere": source ./modules/nope does not exist'),
      expect.stringContaining('module "registry": source "Azure/avm-res-network/azurerm" is not a local path'),
    ]));
  });

  it('accepts meta-arguments and passes a correct call', async () => {
    const c = await mod('/root/modules/c', child);
    const root = await mod('/root', `
module "ok" {
  source     = "./modules/c"
  for_each   = toset(["a"])
  name       = each.key
  depends_on = []
}`);
    expect(checkModuleCalls(root, treeOf(root, c))).toEqual([]);
  });
});

describe('checkReferences', () => {
  it('reports undeclared variables, locals, resources, data sources, modules and module outputs', async () => {
    const c = await mod('/root/modules/c', child);
    const root = await mod('/root', `
variable "declared" {
  type        = string
  description = "d"
}
locals {
  a = var.declared
  b = var.undeclared
  c = local.missing
}
resource "azurerm_resource_group" "rg" {
  name     = local.a
  location = azurerm_virtual_network.none.location
  tags     = { x = data.azurerm_client_config.none.tenant_id }
}
module "c" {
  for_each = toset(["k"])
  source   = "./modules/c"
  name     = module.ghost.id
}
output "ok" {
  description = "o"
  value       = module.c["k"].id
}
output "bad_output" {
  description = "o"
  value       = module.c["k"].nope
}
output "bad_output_indexed" {
  description = "o"
  value       = module.c[local.a].missing_too
}`);
    const problems = await checkReferences(root, treeOf(root, c));
    const text = problems.join('\n');
    expect(text).toContain('var.undeclared: variable "undeclared" is not declared');
    expect(text).toContain('local.missing: local "missing" is not defined');
    expect(text).toContain('resource "azurerm_virtual_network.none" is not declared');
    expect(text).toContain('data source "azurerm_client_config.none" is not declared');
    expect(text).toContain('module "ghost" is not called');
    expect(text).toContain('module "c" has no output "nope"');
    expect(text).toContain('module "c" has no output "missing_too"');
    expect(problems).toHaveLength(7);
  });

  it('reports each.* without for_each and count.* without count', async () => {
    const m = await mod('/m', `
resource "azurerm_resource_group" "a" {
  name = each.key
}
resource "azurerm_resource_group" "b" {
  name = "rg-\${count.index}"
}
locals {
  c = each.value
}`);
    expect((await checkReferences(m, treeOf(m))).sort()).toEqual([
      '/m: azurerm_resource_group.a.name: each.key: each.* used without for_each',
      '/m: azurerm_resource_group.b.name: count.index: count.* used without count',
      '/m: local.c: each.value: each.* used without for_each',
    ]);
  });

  it('accepts each/count/self/path, dynamic iterators, for-expression variables and lifecycle attribute names', async () => {
    const root = await mod('/root', `
variable "cats" {
  type        = list(string)
  description = "c"
}
resource "azurerm_monitor_diagnostic_setting" "d" {
  count = 1
  name  = "\${path.module}-\${count.index}"
  dynamic "enabled_log" {
    for_each = toset(var.cats)
    content {
      category = enabled_log.value
    }
  }
  tags = { for i, c in var.cats : c => i }
  lifecycle {
    ignore_changes = [tags]
  }
}`);
    expect(await checkReferences(root, treeOf(root))).toEqual([]);
  });
});

describe('checkDeclarations', () => {
  it('reports variables without type or description and outputs without description', async () => {
    const m = await mod('/m', `
variable "untyped" {
  description = "d"
}
variable "undescribed" {
  type = string
}
variable "blank" {
  type        = string
  description = "  "
}
output "silent" {
  value = 1
}`);
    expect(checkDeclarations(m).sort()).toEqual([
      '/m: output "silent" has no description',
      '/m: variable "blank" has no description',
      '/m: variable "undescribed" has no description',
      '/m: variable "untyped" has no type',
    ]);
    expect(checkDeclarations(await mod('/m', child))).toEqual([]);
  });
});

describe('checkNoSecretLiterals', () => {
  const key = `${'A'.repeat(20)}b1c2d3e4${'Z'.repeat(58)}==`;
  it.each([
    ['a storage connection string', `locals { c = "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc;EndpointSuffix=core.windows.net" }`, 'storage account key'],
    ['a bare 88-char base64 key', `locals { k = "${key}" }`, 'base64 storage/service key'],
    ['a SAS token', `locals { u = "https://a.blob.core.windows.net/c?sv=2022-11-02&sig=AbCdEfGhIjKlMnOpQrSt%3D" }`, 'shared access signature'],
    ['a client secret literal', `resource "azuread_application_password" "p" { client_secret = "hunter2" }`, 'literal value for a secret'],
    ['a password literal', `resource "x_y" "z" { admin_password = "P@ssw0rd!" }`, 'literal value for a secret'],
    ['an Entra client secret shape', `locals { s = "abc8Q~abcdefghijklmnopqrstuvwxyz0123456789" }`, 'Entra client secret'],
  ])('reports %s', async (_what, hcl, expected) => {
    expect((await checkNoSecretLiterals(await mod('/m', hcl))).join('\n')).toContain(expected);
  });

  it('accepts secrets passed by reference and identity settings', async () => {
    const m = await mod('/m', `
resource "x_y" "z" {
  admin_password      = var.password
  connection_string   = azurerm_storage_account.a.primary_connection_string
  app_settings        = { AzureWebJobsStorage__credential = "managedidentity" }
}`);
    expect(checkNoSecretLiterals(m)).toEqual([]);
  });
});

describe('checkProviderPins', () => {
  it('reports unpinned, source-less and undeclared providers and a missing required_version', async () => {
    const m = await mod('/m', `
terraform {
  required_providers {
    azurerm = { source = "hashicorp/azurerm", version = ">= 4.0" }
    helm    = { version = "~> 3.0" }
  }
}
resource "azurerm_resource_group" "a" {}
resource "azapi_resource" "b" {}`);
    expect(checkProviderPins(m)).toEqual([
      '/m: provider "azapi" is used but not in required_providers',
      '/m: provider "azurerm" version ">= 4.0" is not pinned (use "~> X.Y" or an exact version)',
      '/m: provider "helm" has no source',
      '/m: terraform.required_version is not set',
    ]);
  });

  it('accepts ~> minor and exact pins', async () => {
    const m = await mod('/m', `
terraform {
  required_version = ">= 1.9.0"
  required_providers {
    azurerm = { source = "hashicorp/azurerm", version = "~> 4.50" }
    azapi   = { source = "Azure/azapi", version = "2.5.0" }
  }
}
resource "azurerm_resource_group" "a" {}
resource "azapi_resource" "b" {}`);
    expect(checkProviderPins(m)).toEqual([]);
  });
});

describe('checkRoleActions', () => {
  const allowed = new Set(['Microsoft.Network/virtualHubs/read']);
  it('reports wildcard, unlisted and non-literal actions, and data actions', async () => {
    const m = await mod('/m', `
resource "azurerm_role_definition" "r" {
  permissions {
    actions      = ["Microsoft.Network/virtualHubs/read", "Microsoft.Network/*/read", "Microsoft.Network/virtualHubs/write", var.extra]
    data_actions = ["Microsoft.Storage/storageAccounts/tableServices/tables/entities/read"]
  }
}`);
    expect(checkRoleActions(m, allowed)).toEqual([
      '/m: azurerm_role_definition.r: wildcard action "Microsoft.Network/*/read"',
      '/m: azurerm_role_definition.r: action "Microsoft.Network/virtualHubs/write" is not called by the app (lib/adapters/azure-permissions.ts)',
      '/m: azurerm_role_definition.r: action "${var.extra}" is not a literal string',
      '/m: azurerm_role_definition.r: grants data actions; use a built-in data role scoped to the resource instead',
    ]);
  });

  it('accepts a role that grants only listed actions', async () => {
    const m = await mod('/m', `resource "azurerm_role_definition" "r" {
  permissions {
    actions = ["Microsoft.Network/virtualHubs/read"]
  }
}`);
    expect(checkRoleActions(m, allowed)).toEqual([]);
  });
});

describe('checkAssignmentScopes', () => {
  it('reports subscription and resource group scopes', async () => {
    const m = await mod('/m', `
resource "azurerm_role_assignment" "sub" { scope = "/subscriptions/00000000-0000-0000-0000-000000000000" }
resource "azurerm_role_assignment" "rg" { scope = azurerm_resource_group.hub.id }
resource "azurerm_role_assignment" "sub_ref" { scope = data.azurerm_subscription.current.id }
resource "azurerm_role_assignment" "ok" { scope = azurerm_storage_account.a.id }`);
    const problems = checkAssignmentScopes(m);
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).not.toContain('.ok:');
  });

  it('allows the AKS reader at the clusters\' resource group only, with exactly that scope', async () => {
    const m = await mod('/m', `
resource "azurerm_role_assignment" "aks" { scope = var.aks_resource_group_id }
resource "azurerm_role_assignment" "other" { scope = var.aks_resource_group_id }`);
    expect(checkAssignmentScopes(m)).toEqual(['/m: azurerm_role_assignment.other: scope ${var.aks_resource_group_id} is a subscription or resource group']);
  });
});

describe('checkAppSettingsContract', () => {
  const schema = [
    { name: 'REQUIRED_A', required: true },
    { name: 'OPTIONAL_B', required: false },
    { name: 'SECRET_C', required: false, secret: true },
  ];
  const hostLevel = new Map([['AzureWebJobsStorage__accountName', 'host storage']]);
  const fn = (extraHost = '') => mod('/root/modules/fn', `
locals {
  host_app_settings = {
    AzureWebJobsStorage__accountName = "st"
    ${extraHost}
  }
  app_settings = merge(local.host_app_settings, var.app_settings)
}
resource "azurerm_linux_function_app" "premium" {
  app_settings = local.app_settings
}`);
  const root = (settings: string, call = 'local.app_settings') => mod('/root', `
locals {
  app_settings = {
    ${settings}
  }
}
module "function_app" {
  source       = "./modules/fn"
  app_settings = ${call}
}`);
  const check = async (r: Promise<TfModule>, f: Promise<TfModule> = fn()) =>
    checkAppSettingsContract({ root: await r, functionModule: await f, functionCallName: 'function_app', schema, hostLevel });

  it('passes when Terraform sets every required setting and only settings the app reads', async () => {
    expect(await check(root('REQUIRED_A = "a"\n OPTIONAL_B = "b"'))).toEqual([]);
  });
  it('fails when the app adds a required setting Terraform does not set', async () => {
    expect(await check(root('OPTIONAL_B = "b"'))).toEqual(['app setting REQUIRED_A is required by the app but not set by Terraform']);
  });
  it('fails when Terraform sets a setting the app does not read', async () => {
    expect(await check(root('REQUIRED_A = "a"\n RENAMED_D = "d"'))).toEqual(['app setting RENAMED_D is set by Terraform but the app does not read it']);
  });
  it('fails when Terraform sets a secret setting', async () => {
    expect(await check(root('REQUIRED_A = "a"\n SECRET_C = var.c'))).toEqual(['app setting SECRET_C is a secret: Terraform must not set it']);
  });
  it('fails on an undocumented host-level setting', async () => {
    expect(await check(root('REQUIRED_A = "a"'), fn('WEBSITE_EXTRA = "1"'))).toEqual(['host-level setting WEBSITE_EXTRA is not in the documented host-level list']);
  });
  it('fails when the function app adds app settings inline, outside the checked locals', async () => {
    const inline = mod('/root/modules/fn', `
locals {
  host_app_settings = { AzureWebJobsStorage__accountName = "st" }
  app_settings      = merge(local.host_app_settings, var.app_settings)
}
resource "azurerm_linux_function_app" "premium" {
  app_settings = merge(local.app_settings, { SNEAKY = "1" })
}`);
    expect(await check(root('REQUIRED_A = "a"'), inline)).toEqual(['/root/modules/fn: azurerm_linux_function_app.premium: app settings add inline entries; put them in a *_app_settings local']);
  });
  it('fails when the settings are not a literal map or do not reach the function app', async () => {
    expect(await check(root('REQUIRED_A = "a"', '{}'))).toEqual(['/root: module "function_app" must receive app_settings = local.app_settings']);
    const computed = mod('/root', `locals {
  app_settings = merge({}, {})
}`);
    expect(await check(computed)).toEqual(['/root: local "app_settings" must be a literal map so its keys can be checked']);
  });
});

describe('checkArguments / uncoveredTypes', () => {
  const schema = {
    'resource.azurerm_route_table': { '': ['name', 'route', 'bgp_route_propagation_enabled'], route: ['name', 'address_prefix'] },
    'data.azurerm_kubernetes_cluster': { '': ['name', 'resource_group_name'] },
  };
  it('reports undocumented arguments, nested block arguments, dynamic blocks and uncovered types', async () => {
    const m = await mod('/m', `
resource "azurerm_route_table" "rt" {
  count                         = 1
  name                          = "rt"
  disable_bgp_route_propagation = true
  route {
    name           = "r"
    address_prefix = "0.0.0.0/0"
    next_hop       = "x"
  }
  dynamic "routes" {
    for_each = []
    content {}
  }
}
data "azurerm_kubernetes_cluster" "c" {
  name     = "c"
  location = "x"
}
resource "azurerm_subnet" "s" {}`);
    expect(checkArguments(m, schema).sort()).toEqual([
      '/m: azurerm_route_table.rt.route: "next_hop" is not an argument of block route',
      '/m: azurerm_route_table.rt: "disable_bgp_route_propagation" is not an argument',
      '/m: azurerm_route_table.rt: dynamic block "routes" is not an argument',
      '/m: data.azurerm_kubernetes_cluster.c: "location" is not an argument',
    ]);
    expect(uncoveredTypes(m, schema, 'azurerm_')).toEqual(['resource.azurerm_subnet']);
  });

  it('reports missing required arguments, at top level and in blocks (dynamic blocks count as present)', async () => {
    const required = { 'resource.azurerm_route_table': { '': ['name', 'route'], route: ['name', 'address_prefix'] } };
    const missing = await mod('/m', `
resource "azurerm_route_table" "rt" {
  bgp_route_propagation_enabled = true
}
resource "azurerm_route_table" "partial" {
  name = "p"
  route {
    name = "r"
  }
}
resource "azurerm_route_table" "dyn" {
  name = "d"
  dynamic "route" {
    for_each = ["x"]
    content {
      name           = route.value
      address_prefix = "0.0.0.0/0"
    }
  }
}`);
    expect(checkArguments(missing, schema, required).sort()).toEqual([
      '/m: azurerm_route_table.partial.route: required "address_prefix" of block route is missing',
      '/m: azurerm_route_table.rt: required "name" is missing',
      '/m: azurerm_route_table.rt: required "route" is missing',
    ]);
  });

  it('accepts documented arguments, meta-arguments and dynamic blocks of documented blocks', async () => {
    const m = await mod('/m', `
resource "azurerm_route_table" "rt" {
  for_each                      = toset(["a"])
  name                          = each.key
  bgp_route_propagation_enabled = true
  dynamic "route" {
    for_each = ["0.0.0.0/0"]
    content {
      name           = "r"
      address_prefix = route.value
    }
  }
  lifecycle {
    ignore_changes = [route]
  }
}`);
    expect(checkArguments(m, schema)).toEqual([]);
  });
});

describe('checkAzapiBody', () => {
  const schema = {
    resource: 'Microsoft.Web/sites@2024-04-01',
    objects: { '': ['kind', 'properties'], properties: ['httpsOnly', 'clientCertMode', 'siteConfig'], 'properties.siteConfig': ['appSettings'] },
    enums: { 'properties.clientCertMode': ['Optional', 'Required'] },
  };
  it('reports unknown properties, bad enum values, undescribed objects and jsonencode bodies', async () => {
    const m = await mod('/m', `
resource "azapi_resource" "a" {
  type = "Microsoft.Web/sites@2024-04-01"
  body = {
    kind = "functionapp"
    properties = {
      httpsonly      = true
      clientCertMode = "Sometimes"
      functionAppConfig = { runtime = { name = "node" } }
    }
  }
}
resource "azapi_resource" "b" {
  type = "Microsoft.Web/sites@2024-04-01"
  body = jsonencode({ kind = "functionapp" })
}
resource "azapi_resource" "other" {
  type = "Microsoft.Storage/storageAccounts@2023-01-01"
  body = { nonsense = 1 }
}`);
    expect(checkAzapiBody(m, schema).sort()).toEqual([
      '/m: azapi_resource.a: "properties.clientCertMode" = "Sometimes" is not one of Optional, Required',
      '/m: azapi_resource.a: "properties.functionAppConfig" is not a property of Microsoft.Web/sites@2024-04-01',
      '/m: azapi_resource.a: "properties.httpsonly" is not a property of Microsoft.Web/sites@2024-04-01',
      '/m: azapi_resource.b: body must be an HCL object (not jsonencode) so it can be checked',
    ]);
  });
  it('accepts a body within the schema', async () => {
    const m = await mod('/m', `
resource "azapi_resource" "a" {
  type = "Microsoft.Web/sites@2024-04-01"
  body = { kind = "functionapp", properties = { httpsOnly = true, clientCertMode = "Required", siteConfig = { appSettings = [] } } }
}`);
    expect(checkAzapiBody(m, schema)).toEqual([]);
  });
});

describe('checkLiteralObject', () => {
  const schema = {
    resource: 'Installation spec',
    objects: { '': ['kubernetesProvider', 'calicoNetwork'], calicoNetwork: ['ipPools'], 'calicoNetwork.ipPools[]': ['cidr', 'encapsulation'] },
    enums: { kubernetesProvider: ['AKS', 'EKS'], 'calicoNetwork.ipPools[].encapsulation': ['VXLAN', 'None'] },
  };
  it('checks names and enums inside arrays of objects and reports undescribed objects', () => {
    const value = { kubernetesProvider: 'AKS', calicoNetwork: { ipPools: [{ cidr: '10.244.0.0/16', encapsulation: 'Vxlan', blocksize: 26 }] }, extra: { a: 1 } };
    expect(checkLiteralObject(value, schema, 'x').sort()).toEqual([
      'x: "calicoNetwork.ipPools[].blocksize" is not a property of Installation spec',
      'x: "calicoNetwork.ipPools[].encapsulation" = "Vxlan" is not one of VXLAN, None',
      'x: "extra" is not a property of Installation spec',
    ]);
    const undescribed = { ...schema, objects: { '': ['calicoNetwork'] } };
    expect(checkLiteralObject({ calicoNetwork: { ipPools: [] } }, undescribed, 'x')).toEqual(['x: object "calicoNetwork" is not described by the Installation spec fixture']);
  });
  it('accepts a conforming object and leaves expressions alone', () => {
    expect(checkLiteralObject({ kubernetesProvider: '${var.p}', calicoNetwork: { ipPools: [{ cidr: '${var.c}', encapsulation: 'VXLAN' }] } }, schema, 'x')).toEqual([]);
  });
});

describe('checkUnusedVariables', () => {
  it('reports variables read by nothing, or only by their own validation', async () => {
    const m = await mod('/m', `
variable "used" {
  type        = string
  description = "u"
}
variable "unused" {
  type        = string
  description = "n"
}
variable "validated_only" {
  type        = string
  description = "v"
  validation {
    condition     = length(var.validated_only) > 0
    error_message = "x"
  }
}
output "o" {
  description = "o"
  value       = var.used
}`);
    expect(checkUnusedVariables(m).sort()).toEqual([
      '/m: variable "unused" is declared but never used',
      '/m: variable "validated_only" is declared but never used (only by validations)',
    ]);
  });
});

describe('checkFunctions', () => {
  it('reports functions Terraform does not have, also nested and inside templates', async () => {
    const m = await mod('/m', `
locals {
  a = cidrmask("10.0.0.0/8")
  b = "rg-\${lenght(var.x)}"
  c = try(merge({}, tolist([])), can(regexp("a", "b")))
}`);
    expect((await checkFunctions(m)).sort()).toEqual([
      '/m: local.a: cidrmask() is not a Terraform function',
      '/m: local.b: lenght() is not a Terraform function',
      '/m: local.c: regexp() is not a Terraform function',
    ]);
  });
  it('accepts built-ins and text that only looks like a call', async () => {
    const m = await mod('/m', `
locals {
  a = "text(\${length(var.x)}) and more("
  b = try(cidrhost(var.c, 0) == split("/", var.c)[0], false)
}`);
    expect(await checkFunctions(m)).toEqual([]);
  });
});

describe('checkProviderSchema / namesNewerThan', () => {
  const schema: ProviderSchema = {
    provider: 'hashicorp/azurerm 4.55.0',
    types: {
      'resource.azurerm_thing': {
        attributes: { name: { type: 'string', required: true }, count_of: { type: 'number' }, enabled: { type: 'bool' }, zones: { type: 'list(string)' }, tags: { type: 'map(string)' } },
        blocks: {
          identity: { nesting: 'single', required: true, attributes: { type: { type: 'string', required: true } }, blocks: {} },
          rule: { nesting: 'list', required: false, attributes: { port: { type: 'number', required: true } }, blocks: {} },
        },
      },
    },
  };

  it('reports literal types Terraform cannot convert, blocks written as arguments and the reverse, repeated single blocks, missing required ones and unknown names', async () => {
    const m = await mod('/m', `
resource "azurerm_thing" "bad" {
  count_of = "three"
  enabled  = "yes"
  zones    = "1"
  tags     = ["a"]
  identity = { type = "SystemAssigned" }
  colour   = "red"
  rule {
    port = "http"
  }
}
resource "azurerm_thing" "twice" {
  name = "x"
  identity {
    type = "SystemAssigned"
  }
  identity {
    type = "UserAssigned"
  }
  zones {
    one = "1"
  }
}
resource "azurerm_unknown" "x" {
  name = "y"
}`);
    expect(checkProviderSchema(m, schema).sort()).toEqual([
      '/m: azurerm_thing.bad.rule: "port" (number): "http" is not a number',
      '/m: azurerm_thing.bad: "colour" is not an argument or block in hashicorp/azurerm 4.55.0',
      '/m: azurerm_thing.bad: "count_of" (number): "three" is not a number',
      '/m: azurerm_thing.bad: "enabled" (bool): "yes" is not a bool',
      '/m: azurerm_thing.bad: "identity" is a block: write identity { … }, not identity = …',
      '/m: azurerm_thing.bad: "tags" (map(string)): ["a"] is not a map',
      '/m: azurerm_thing.bad: "zones" (list(string)): "1" is not a list',
      '/m: azurerm_thing.bad: required argument "name" is missing',
      '/m: azurerm_thing.twice: "zones" is an argument of type list(string), not a block',
      '/m: azurerm_thing.twice: block "identity" may appear once, found 2',
      '/m: azurerm_unknown.x: resource type azurerm_unknown is not in the hashicorp/azurerm 4.55.0 schema extract (regenerate it)',
    ].sort());
  });

  it('accepts conversions Terraform makes, expressions, dynamic blocks and meta-arguments', async () => {
    const m = await mod('/m', `
resource "azurerm_thing" "ok" {
  for_each = toset(["a"])
  name     = 42
  count_of = "3"
  enabled  = "true"
  zones    = var.zones
  tags     = { a = "b" }
  identity {
    type = each.key
  }
  dynamic "rule" {
    for_each = [80, 443]
    content {
      port = rule.value
    }
  }
}`);
    expect(checkProviderSchema(m, schema)).toEqual([]);
  });

  it('reports a missing required block, and leaves names only a newer release documents to the pin check', async () => {
    const m = await mod('/m', `
resource "azurerm_thing" "x" {
  name         = "x"
  shiny_switch = true
}`);
    expect(checkProviderSchema(m, schema)).toEqual([
      '/m: azurerm_thing.x: "shiny_switch" is not an argument or block in hashicorp/azurerm 4.55.0',
      '/m: azurerm_thing.x: required block "identity" is missing',
    ]);
    const newer = { 'resource.azurerm_thing': { '': ['name', 'shiny_switch'] } };
    expect(checkProviderSchema(m, schema, { newer })).toEqual(['/m: azurerm_thing.x: required block "identity" is missing']);
    expect(namesNewerThan(m, schema, newer)).toEqual(['azurerm_thing.x.shiny_switch']);
  });
});

describe('checkSensitive', () => {
  it('reports outputs carrying a secret attribute, a sensitive variable or a sensitive module output, and secret-named variables not marked sensitive', async () => {
    const c = await mod('/root/modules/c', `
output "key" {
  description = "k"
  value       = "x"
  sensitive   = true
}`);
    const root = await mod('/root', `
variable "calico_license_key" {
  type        = string
  description = "l"
}
variable "pull_secret" {
  type        = string
  description = "p"
  sensitive   = true
}
module "c" {
  source = "./modules/c"
}
output "ai" {
  description = "a"
  value       = azurerm_application_insights.this.connection_string
}
output "passthrough" {
  description = "p"
  value       = var.pull_secret
}
output "from_module" {
  description = "m"
  value       = module.c.key
}
output "hidden" {
  description = "h"
  value       = azurerm_application_insights.this.connection_string
  sensitive   = true
}
output "plain" {
  description = "n"
  value       = azurerm_application_insights.this.name
}`);
    expect(checkSensitive(root, treeOf(root, c)).sort()).toEqual([
      '/root: variable "calico_license_key" looks like a secret: mark it sensitive = true',
      '/root: output "ai" carries a sensitive value: mark it sensitive = true',
      '/root: output "passthrough" carries a sensitive value: mark it sensitive = true',
      '/root: output "from_module" carries a sensitive value: mark it sensitive = true',
    ].sort());
  });
});
