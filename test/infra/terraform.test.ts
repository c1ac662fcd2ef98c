/**
 * Static checks over every .tf file under infra/ (parsed with HashiCorp's HCL parser): what
 * `terraform validate` would reject without providers, plus the project's own rules.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from '@cdktf/hcl2json';
import azurermArguments from './fixtures/azurerm-4.81-arguments.json';
import webSitesBody from './fixtures/azapi-web-sites-2024-04-01.json';
import durableTaskBodies from './fixtures/azapi-durabletask-2025-11-01.json';
import helmKubernetesArguments from './fixtures/helm-kubernetes-arguments.json';
import { type ModuleTree } from './hcl';
import { checkDeclarations, checkFunctions, checkModuleCalls, checkReferences, checkUnusedVariables } from './language-checks';
import { checkAssignmentScopes, checkNoSecretLiterals, checkProviderPins } from './policy-checks';
import { checkArguments, checkAzapiBody, uncoveredTypes, type ArgumentSchema } from './schema-checks';
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

  it('sets only arguments documented for helm v3.1.2 and kubernetes v2.38.0 resources (test/infra/fixtures)', async () => {
    const schema = helmKubernetesArguments.arguments as ArgumentSchema;
    expect(await each((dir) => [...uncoveredTypes(tree.get(dir)!, schema, 'helm_'), ...uncoveredTypes(tree.get(dir)!, schema, 'kubernetes_')])).toEqual([]);
    expect(await each((dir) => checkArguments(tree.get(dir)!, schema, helmKubernetesArguments.required as ArgumentSchema))).toEqual([]);
  });

  it('azapi bodies use only writable properties of their type (Microsoft.Web/sites: azapi v2.12 embedded types; Microsoft.DurableTask: bicep-types-az)', async () => {
    const schemas = [webSitesBody, ...durableTaskBodies];
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
