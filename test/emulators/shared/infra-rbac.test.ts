/**
 * What the sandbox enforces comes from infra/ and nowhere else: the custom roles and their assignments
 * (modules/app-access) and the ClusterRole + binding (modules/calico-operator), bound to the seed's
 * resources. A reference the emulated world cannot bind fails the start, naming it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { armActions } from '../../../lib/adapters/azure-permissions';
import { referenceSeed } from '../../../local/emulators/arm';
import { bindReference, loadInfraRbac } from '../../../local/emulators/shared/infra-rbac';
import { sandboxRbac, SANDBOX_ADMIN } from '../../../local/sandbox/rbac';

const SUB = '/subscriptions/5f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f';
const APP = '0b6f3c1e-9a0d-4d7e-8f21-5c4b3a291807';

describe('infra/ RBAC, read with the HCL parser and bound to the emulated world', () => {
  it('reads every custom role, its assignment scope as infra writes it, and the ClusterRole binding', async () => {
    const infra = await loadInfraRbac();
    expect(new Set(infra.armRoles.flatMap((r) => r.actions))).toEqual(new Set(armActions));
    expect(Object.fromEntries(infra.armAssignments.map((a) => [a.key, a.scope]))).toEqual({
      'azurerm_role_assignment.aks': '${var.aks_resource_group_id}',
      'azurerm_role_assignment.aks_subnet': '${var.aks_subnet_ids}',
      'azurerm_role_assignment.route_server': '${var.route_server_id}',
      'azurerm_role_assignment.firewall_policy': '${var.firewall_policy_id}',
    });
    expect(infra.builtinAssignments.map((b) => b.key)).toEqual(expect.arrayContaining(['azurerm_role_assignment.event_sender', 'azurerm_role_assignment.aks_kubernetes']));
    expect(infra.kubeBindings).toEqual([expect.objectContaining({ roleRef: { kind: 'ClusterRole', name: 'egress-pilot' }, subjects: [{ kind: 'User', name: '${var.app_principal_id}' }] })]);
  });

  it('grants the app exactly those roles at the seed\'s resources, and the sandbox admin nothing in ARM', async () => {
    const rbac = await sandboxRbac(referenceSeed());
    const scopes = rbac.summary.armGrants.map((g) => `${g.role} @ ${g.scope}`).sort();
    expect(scopes).toEqual([
      `AKS cluster reader @ ${SUB}/resourceGroups/demo-spoke-networks`,
      `AKS subnet reader @ ${SUB}/resourceGroups/demo-spoke-networks/providers/Microsoft.Network/virtualNetworks/spoke1-vnet/subnets/AKSSubnet`,
      `Firewall Policy rule writer @ ${SUB}/resourceGroups/demo-hub-network/providers/Microsoft.Network/firewallPolicies/hub-fw-policy`,
      `Route Server BGP operator @ ${SUB}/resourceGroups/demo-hub-network/providers/Microsoft.Network/virtualHubs/hub-rs`,
    ]);
    expect(new Set(rbac.summary.armGrants.map((g) => g.principalId))).toEqual(new Set([APP]));
    expect(rbac.summary.kubeGrants.map((g) => [g.user, g.from])).toEqual([[APP, 'ClusterRole egress-pilot (modules/calico-operator)']]);
    expect(rbac.summary.admins).toEqual([SANDBOX_ADMIN.principalId]);
    expect(rbac.arm.check({ principalId: SANDBOX_ADMIN.principalId, method: 'GET', path: `${SUB}/resourceGroups/demo-hub-network/providers/Microsoft.Network/virtualHubs/hub-rs`, poll: false })).toBeDefined();
  });

  it('refuses to start on a reference nothing binds, naming it', async () => {
    expect(() => bindReference('${var.mystery_id}', { principal_id: ['x'] }, 'modules/x: azurerm_role_assignment.y')).toThrow('modules/x: azurerm_role_assignment.y: nothing in the emulated world binds var.mystery_id (known: principal_id)');
    expect(() => bindReference('${module.other.id}', {}, 'here')).toThrow('here: ${module.other.id} is not a variable the emulators can bind');
    expect(bindReference('/subscriptions/s/literal', {}, 'here')).toEqual(['/subscriptions/s/literal']);
    const dir = mkdtempSync(path.join(tmpdir(), 'infra-rbac-'));
    try {
      writeFileSync(path.join(dir, 'main.tf'), `
resource "azurerm_role_definition" "r" {
  name = "r"
  permissions {
    actions = ["Microsoft.Network/virtualHubs/read"]
  }
}
resource "azurerm_role_assignment" "a" {
  scope              = var.somewhere_id
  role_definition_id = azurerm_role_definition.r.role_definition_resource_id
  principal_id       = var.principal_id
}
`);
      await expect(sandboxRbac(referenceSeed(), dir)).rejects.toThrow('.: azurerm_role_assignment.a: nothing in the emulated world binds var.somewhere_id');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
