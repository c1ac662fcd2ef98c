/**
 * Static checks over every .tf file under infra/ (parsed with HashiCorp's HCL parser): what
 * `terraform validate` would reject without providers, plus the project's own rules.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from '@cdktf/hcl2json';
import azurermArguments from './fixtures/azurerm-4.81-arguments.json';
import azurermSchema from './fixtures/azurerm-4.55-schema.json';
import webSitesBody from './fixtures/azapi-web-sites-2024-04-01.json';
import webSitesAuthBody from './fixtures/azapi-web-sites-config-authsettingsv2-2024-04-01.json';
import durableTaskBodies from './fixtures/azapi-durabletask-2025-11-01.json';
import helmKubernetesArguments from './fixtures/helm-kubernetes-arguments.json';
import { type ModuleTree } from './hcl';
import { checkDeclarations, checkFunctions, checkModuleCalls, checkReferences, checkUnusedVariables } from './language-checks';
import { checkAssignmentScopes, checkNoSecretLiterals, checkProviderPins, checkSensitive } from './policy-checks';
import { checkArguments, checkAzapiBody, checkProviderSchema, namesNewerThan, uncoveredTypes, type ArgumentSchema, type ObjectSchema, type ProviderSchema } from './schema-checks';
import { INFRA, loadInfra, moduleDirs, ROOTS } from './support';

let tree: ModuleTree;
beforeAll(async () => {
  tree = await loadInfra();
});

const each = async (check: (dir: string) => string[] | Promise<string[]>) => {
  const problems: string[] = [];
  for (const dir of tree.keys()) problems.push(...(await check(dir)));
  return problems.map((p) => p.replace(`${INFRA}/`, 'infra/'));
};

describe('infra/ Terraform', () => {
  it('loads both roots and every module under infra/modules', () => {
    const loaded = [...tree.keys()];
    expect(loaded).toEqual(expect.arrayContaining([...ROOTS, ...moduleDirs()]));
    expect(loaded.length).toBe(ROOTS.length + moduleDirs().length);
  });

  it('every module has main.tf, variables.tf, outputs.tf and versions.tf', () => {
    const missing = moduleDirs().flatMap((dir) => ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf'].filter((f) => !(f in tree.get(dir)!.sources)).map((f) => `${path.relative(INFRA, dir)}/${f}`));
    expect(missing).toEqual([]);
  });

  it('every module call resolves: source exists, arguments are declared variables, required variables are passed', async () => {
    expect(await each((dir) => checkModuleCalls(tree.get(dir)!, tree))).toEqual([]);
  });

  it('every var/local/module/data/resource reference resolves within its module (module outputs included)', async () => {
    expect(await each((dir) => checkReferences(tree.get(dir)!, tree))).toEqual([]);
  });

  it('every variable has a type and a description, every output a description', async () => {
    expect(await each((dir) => checkDeclarations(tree.get(dir)!))).toEqual([]);
  });

  it('calls only Terraform built-in functions', async () => {
    expect(await each((dir) => checkFunctions(tree.get(dir)!))).toEqual([]);
  });

  it('declares no variable it never uses', async () => {
    expect(await each((dir) => checkUnusedVariables(tree.get(dir)!))).toEqual([]);
  });

  it('marks sensitive every output that carries a secret and every secret-named variable (state and plans are shared by the team)', async () => {
    expect(await each((dir) => checkSensitive(tree.get(dir)!, tree))).toEqual([]);
  });

  it('contains no secret literal', async () => {
    expect(await each((dir) => checkNoSecretLiterals(tree.get(dir)!))).toEqual([]);
  });

  it('declares and pins every provider it uses, and the Terraform version', async () => {
    expect(await each((dir) => checkProviderPins(tree.get(dir)!))).toEqual([]);
  });

  it('scopes every role assignment to a resource, never a resource group or the subscription', async () => {
    expect(await each((dir) => checkAssignmentScopes(tree.get(dir)!))).toEqual([]);
  });

  it('sets only arguments and blocks documented for azurerm v4.81 (test/infra/fixtures)', async () => {
    const schema = azurermArguments.arguments as ArgumentSchema;
    expect(await each((dir) => uncoveredTypes(tree.get(dir)!, schema, 'azurerm_'))).toEqual([]);
    expect(await each((dir) => checkArguments(tree.get(dir)!, schema, azurermArguments.required as ArgumentSchema))).toEqual([]);
  });

  it('every azurerm block matches the azurerm 4.55 provider schema: argument types, required arguments and blocks, block vs argument syntax, single blocks (cdktf jsii extract)', async () => {
    const newer = azurermArguments.arguments as ArgumentSchema;
    expect(await each((dir) => checkProviderSchema(tree.get(dir)!, azurermSchema as ProviderSchema, { newer }))).toEqual([]);
  });

  it('requires an azurerm release that has every argument it sets: names added after 4.55 need the pin at the docs fixture release, 4.81', async () => {
    const newer = azurermArguments.arguments as ArgumentSchema;
    const needsNewer = [...tree.values()].filter((m) => namesNewerThan(m, azurermSchema as ProviderSchema, newer).length > 0);
    // local_authentication_enabled (Application Insights) replaced local_authentication_disabled after 4.55
    // (hashicorp/terraform-provider-azurerm#32634): `~> 4.50` allowed releases that reject it.
    expect(needsNewer.map((m) => path.relative(INFRA, m.dir))).toContain('modules/function-app');
    for (const m of needsNewer) expect({ dir: path.relative(INFRA, m.dir), pin: m.requiredProviders.get('azurerm')?.version }).toEqual({ dir: path.relative(INFRA, m.dir), pin: '~> 4.81' });
  });

  it('sets only arguments documented for helm v3.1.2 and kubernetes v2.38.0 resources (test/infra/fixtures)', async () => {
    const schema = helmKubernetesArguments.arguments as ArgumentSchema;
    expect(await each((dir) => [...uncoveredTypes(tree.get(dir)!, schema, 'helm_'), ...uncoveredTypes(tree.get(dir)!, schema, 'kubernetes_')])).toEqual([]);
    expect(await each((dir) => checkArguments(tree.get(dir)!, schema, helmKubernetesArguments.required as ArgumentSchema))).toEqual([]);
  });

  it('azapi bodies use only writable properties of their type (Microsoft.Web/sites and its authsettingsV2 config: azapi v2.12 embedded types; Microsoft.DurableTask: bicep-types-az)', async () => {
    const schemas: ObjectSchema[] = [webSitesBody, webSitesAuthBody, ...(durableTaskBodies as ObjectSchema[])];
    for (const schema of schemas) expect(await each((dir) => checkAzapiBody(tree.get(dir)!, schema))).toEqual([]);
    const azapiTypes = [...tree.values()].flatMap((m) => [...m.resources.entries()].filter(([k]) => k.startsWith('azapi_resource.')).map(([, b]) => b.type));
    expect(new Set(azapiTypes)).toEqual(new Set(schemas.map((s) => s.resource)));
  });

  it('terraform.tfvars.example sets only root variables and every required one', async () => {
    const example = (await parse('terraform.tfvars.example', readFileSync(path.join(INFRA, 'terraform.tfvars.example'), 'utf8'))) as Record<string, unknown>;
    const root = tree.get(INFRA)!;
    expect(Object.keys(example).filter((k) => !root.variables.has(k))).toEqual([]);
    const required = [...root.variables].filter(([, v]) => !('default' in v)).map(([k]) => k);
    expect(required.filter((k) => !(k in example))).toEqual([]);
  });

  it('pins azurerm to 4.x in every module that uses it', () => {
    for (const mod of tree.values()) {
      const azurerm = mod.requiredProviders.get('azurerm');
      if (azurerm) expect({ dir: path.relative(INFRA, mod.dir), version: azurerm.version }).toEqual({ dir: path.relative(INFRA, mod.dir), version: expect.stringMatching(/^~>\s*4\.\d+$/) });
    }
  });
});
