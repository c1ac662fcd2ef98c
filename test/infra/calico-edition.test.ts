/**
 * The Calico edition (issue 13): infra/modules/calico-operator installs Calico Enterprise or joins Calico Cloud,
 * never open source. The variable validations are evaluated by Terraform itself (`terraform plan` over a copy of
 * the module's variables.tf: no provider, no network; skipped without a terraform binary); the rest is read
 * from the parsed HCL.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseModule, type ModuleTree, type Obj, type TfModule } from './hcl';
import { checkEditionGates, checkEditionVariable, editionOf } from './edition-checks';
import { checkSensitive } from './policy-checks';
import { haveTerraform, INFRA, loadInfra, mustGet } from './support';

const MODULE = path.join(INFRA, 'modules/calico-operator');
const RBAC = new Set(['kubernetes_cluster_role_v1.egress_pilot', 'kubernetes_cluster_role_binding_v1.egress_pilot']);

let tree: ModuleTree;
let calico: TfModule;
beforeAll(async () => {
  tree = await loadInfra();
  calico = mustGet(tree, MODULE);
});
const resource = (key: string): Obj => {
  const r = calico.resources.get(key);
  if (!r) throw new Error(`resource ${key} not found`);
  return r;
};

describe('calico_edition in the HCL', () => {
  it('accepts exactly enterprise and cloud, has no default, and its message says why open source is refused', () => {
    expect(checkEditionVariable(calico)).toEqual([]);
  });

  it('every install resource is gated on one edition; the RBAC stays unconditional', () => {
    expect(checkEditionGates(calico, RBAC)).toEqual([]);
    const byEdition = Object.fromEntries([...calico.resources].filter(([k]) => !RBAC.has(k)).map(([k, b]) => [k, editionOf(b)]));
    expect(byEdition).toEqual({
      'helm_release.tigera_operator': 'cloud',
      'helm_release.calico_cloud_crds': 'cloud',
      'helm_release.calico_cloud': 'cloud',
      'kubernetes_storage_class_v1.tigera_elasticsearch': 'enterprise',
      'helm_release.calico_enterprise': 'enterprise',
    });
  });

  it('the license key, pull secret and Calico Cloud install token are sensitive in the module and in the root that passes them', () => {
    for (const dir of [MODULE, path.join(INFRA, 'calico')]) {
      const mod = mustGet(tree, dir);
      for (const name of ['enterprise_license_key', 'enterprise_pull_secret', 'cloud_api_key']) expect({ dir, name, sensitive: mod.variables.get(name)?.sensitive }).toEqual({ dir, name, sensitive: true });
      expect(checkSensitive(mod, tree)).toEqual([]);
    }
  });

  it('the per-cluster root threads the edition and its secrets into the module', () => {
    const call = mustGet(tree, path.join(INFRA, 'calico')).moduleCalls.get('calico')!;
    for (const name of ['calico_edition', 'enterprise_license_key', 'enterprise_pull_secret', 'cloud_api_key', 'cloud_version']) expect(call[name]).toBe(`\${var.${name}}`);
    expect(call.cluster_name).toBe('${var.cluster_name}');
  });

  it('Calico Enterprise: Tigera Enterprise chart tigera-operator into tigera-operator, secrets as the documented --set-file keys, the same Installation (BGP on, default pool not exported)', () => {
    const release = resource('helm_release.calico_enterprise');
    expect(release).toMatchObject({ chart: 'tigera-operator', namespace: 'tigera-operator', repository: '${var.enterprise_chart_repository}', version: '${var.enterprise_chart_version}' });
    expect(calico.variables.get('enterprise_chart_repository')?.default).toBe('https://downloads.tigera.io/ee/charts');
    const values = release.values as string[];
    expect(values[0]).toBe('${yamlencode({ installation = merge({ enabled = true, variant = "TigeraSecureEnterprise" }, local.installation) })}');
    for (const key of ['imagePullSecrets', '"tigera-prometheus-operator"', '"tigera-pull-secret" = var.enterprise_pull_secret', 'licenseKeyContent', 'var.enterprise_license_key']) expect(values[1]).toContain(key);
    expect(resource('kubernetes_storage_class_v1.tigera_elasticsearch')).toMatchObject({ metadata: [{ name: 'tigera-elasticsearch' }], storage_provisioner: 'disk.csi.azure.com' });
  });

  it('Calico Cloud: Calico Open Source first, then calico-cloud-crds and calico-cloud from the installer repository with the token in its own values document', () => {
    expect(resource('helm_release.calico_cloud_crds')).toMatchObject({ chart: 'calico-cloud-crds', namespace: 'calico-cloud', depends_on: ['${helm_release.tigera_operator}'] });
    const cloud = resource('helm_release.calico_cloud');
    expect(cloud).toMatchObject({ chart: 'calico-cloud', namespace: 'calico-cloud', repository: '${var.cloud_chart_repository}', depends_on: ['${helm_release.calico_cloud_crds}'] });
    expect(cloud.values).toEqual(['${yamlencode({ installer = { clusterName = var.cluster_name, calicoCloudVersion = var.cloud_version } })}', '${yamlencode({ apiKey = var.cloud_api_key })}']);
    expect(calico.variables.get('cloud_chart_repository')?.default).toBe('https://installer.calicocloud.io/charts');
  });
});

describe('edition checkers refuse bad modules', () => {
  const bad = (hcl: string) => parseModule('/m', { 'main.tf': hcl });

  it('checkEditionVariable: open source accepted, no validation, a default, a message without the reason', async () => {
    expect(checkEditionVariable(await bad(`
variable "calico_edition" {
  type    = string
  default = "open-source"
  validation {
    condition     = contains(["enterprise", "cloud", "open-source"], var.calico_edition)
    error_message = "bad edition"
  }
}`))).toEqual([
      '/m: variable "calico_edition" has a default: the edition must be chosen',
      '/m: calico_edition accepts cloud, enterprise, open-source; it must accept exactly enterprise, cloud',
      '/m: calico_edition\'s error_message must say why open source is refused (missing "open-source")',
      '/m: calico_edition\'s error_message must say why open source is refused (missing "EgressGateway")',
      '/m: calico_edition\'s error_message must say why open source is refused (missing "Calico Enterprise")',
      '/m: calico_edition\'s error_message must say why open source is refused (missing "Calico Cloud")',
    ]);
    expect(checkEditionVariable(await bad('variable "calico_edition" {\n  type = string\n}'))).toEqual(['/m: variable "calico_edition" needs a validation contains([...], var.calico_edition)']);
    expect(checkEditionVariable(await bad('variable "x" {\n  type = string\n}'))).toEqual(['/m: variable "calico_edition" is missing']);
  });

  it('checkEditionGates: an ungated chart, a conditional RBAC resource, an edition that installs nothing', async () => {
    const mod = await bad(`
locals {
  enterprise = var.calico_edition == "enterprise"
}
resource "helm_release" "open_source" {
  name  = "calico"
  chart = "tigera-operator"
}
resource "helm_release" "enterprise" {
  count = local.enterprise ? 1 : 0
  name  = "calico-enterprise"
  chart = "tigera-operator"
}
resource "kubernetes_cluster_role_v1" "egress_pilot" {
  count = local.enterprise ? 1 : 0
  metadata {
    name = "egress-pilot"
  }
}`);
    expect(checkEditionGates(mod, new Set(['kubernetes_cluster_role_v1.egress_pilot']))).toEqual([
      '/m: helm_release.open_source is not gated on one Calico edition (count = local.enterprise ? 1 : 0 or local.cloud ? 1 : 0)',
      '/m: kubernetes_cluster_role_v1.egress_pilot is edition-neutral but conditional',
      '/m: edition "cloud" installs nothing',
    ]);
  });
});

// Terraform evaluates the real validation blocks on the real call: infra/calico's variables.tf and its
// `module "calico"` block, calling a copy of the module's variables.tf. No provider is involved, so
// `terraform init` + `plan` run offline and stop at the failing validations.
const terraformOnPath = haveTerraform();
const withTerraform = terraformOnPath ? describe : describe.skip;
if (!terraformOnPath) console.warn('test/infra: calico_edition validations not evaluated, no terraform binary on PATH');

withTerraform('calico_edition validations, evaluated by terraform plan', () => {
  let dir: string;
  const LICENSE = 'apiVersion: projectcalico.org/v3\nkind: LicenseKey\nmetadata:\n  name: default\nspec:\n  token: test\n';
  const PULL_SECRET = '{"auths":{"quay.io":{"auth":"test","email":""}}}';
  const plan = (vars: Record<string, string>) => {
    const env: NodeJS.ProcessEnv = { ...process.env, TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: '/dev/null' };
    const base = { subscription_id: '00000000-0000-0000-0000-000000000000', resource_group_name: 'spokes', cluster_name: 'spoke1-aks', app_principal_id: '00000000-0000-0000-0000-000000000000' };
    for (const [k, v] of Object.entries({ ...base, ...vars })) env[`TF_VAR_${k}`] = v;
    const r = spawnSync('terraform', ['plan', '-input=false', '-no-color', '-lock=false', '-refresh=false'], { cwd: dir, env, encoding: 'utf8' });
    return { status: r.status, output: `${r.stdout}${r.stderr}`.replace(/\s+/g, ' ') };
  };
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'calico-edition-'));
    mkdirSync(path.join(dir, 'calico-operator'));
    copyFileSync(path.join(MODULE, 'variables.tf'), path.join(dir, 'calico-operator', 'variables.tf'));
    copyFileSync(path.join(INFRA, 'calico', 'variables.tf'), path.join(dir, 'variables.tf'));
    const rootMain = readFileSync(path.join(INFRA, 'calico', 'main.tf'), 'utf8');
    const call = /^module "calico" \{\n[\s\S]*?^\}\n/m.exec(rootMain);
    if (!call) throw new Error('infra/calico/main.tf: module "calico" block not found');
    writeFileSync(path.join(dir, 'main.tf'), call[0].replace('"../modules/calico-operator"', '"./calico-operator"'));
    const init = spawnSync('terraform', ['init', '-input=false', '-no-color'], { cwd: dir, env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null' }, encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`terraform init failed: ${init.stderr}`);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses open-source, saying egress gateways need Calico Enterprise or Calico Cloud', () => {
    const r = plan({ calico_edition: 'open-source' });
    expect(r.status).toBe(1);
    expect(r.output).toContain('The open-source edition is refused: egress-pilot\'s egress gateways need operator.tigera.io/v1 EgressGateway');
    expect(r.output).toContain('which only Calico Enterprise and Calico Cloud serve');
  }, 60_000);

  it('enterprise without a LicenseKey or a config.json pull secret is refused, naming what is missing', () => {
    const r = plan({ calico_edition: 'enterprise' });
    expect(r.status).toBe(1);
    expect(r.output).toContain('needs enterprise_license_key');
    expect(r.output).toContain('needs enterprise_pull_secret');
    const notJson = plan({ calico_edition: 'enterprise', enterprise_license_key: LICENSE, enterprise_pull_secret: 'quay.io robot token' });
    expect(notJson.status).toBe(1);
    expect(notJson.output).toContain('needs enterprise_pull_secret');
    // Sensitive in infra/calico, so Terraform redacts it in the module's failure.
    expect(notJson.output).not.toContain('quay.io robot token');
  }, 60_000);

  it('enterprise with the license key and pull secret is accepted', () => {
    expect(plan({ calico_edition: 'enterprise', enterprise_license_key: LICENSE, enterprise_pull_secret: PULL_SECRET })).toMatchObject({ status: 0 });
  }, 60_000);

  it('cloud without the install token or the Calico Cloud version is refused; with both it is accepted', () => {
    const r = plan({ calico_edition: 'cloud' });
    expect(r.status).toBe(1);
    expect(r.output).toContain('needs cloud_api_key');
    expect(r.output).toContain('needs cloud_version');
    expect(plan({ calico_edition: 'cloud', cloud_api_key: 'abc:def:ghi', cloud_version: 'v19.1.0' })).toMatchObject({ status: 0 });
  }, 60_000);
});
