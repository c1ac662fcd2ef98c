/**
 * The custom roles in infra/ grant exactly the ARM actions lib/adapters/azure-permissions.ts lists,
 * and every listed action is backed by an SDK call the adapters really make.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { armActions, armPermissions, requiredAction } from '../../lib/adapters/azure-permissions';
import { ungrantedActions, uncalledPermissions } from './contracts';
import { type ModuleTree } from './hcl';
import { checkRoleActions, customRoleActions } from './policy-checks';
import { INFRA, loadInfra } from './support';

let tree: ModuleTree;
beforeAll(async () => {
  tree = await loadInfra();
});

const ADAPTERS = path.resolve(__dirname, '../../lib/adapters');
function adapterSources(dir = ADAPTERS): string {
  let text = '';
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) text += adapterSources(full);
    else if (entry.name.endsWith('.ts') && entry.name !== 'azure-permissions.ts') text += readFileSync(full, 'utf8');
  }
  return text;
}

describe('least privilege: custom roles ↔ lib/adapters/azure-permissions.ts', () => {
  it('no custom role grants an unlisted, wildcard or non-literal action', () => {
    const problems = [...tree.values()].flatMap((mod) => checkRoleActions(mod, armActions));
    expect(problems).toEqual([]);
  });

  it('every listed action is granted by some custom role (the app would fail without it)', () => {
    const granted = new Set([...tree.values()].flatMap((mod) => customRoleActions(mod).flatMap((r) => r.actions)).filter((a): a is string => typeof a === 'string'));
    expect(ungrantedActions(armActions, granted)).toEqual([]);
  });

  it('every listed action names an SDK method the adapters actually call', () => {
    expect(uncalledPermissions(armPermissions, adapterSources())).toEqual([]);
  });

  it('the contract checks can fail: an ungranted action, an SDK method nobody calls', () => {
    expect(ungrantedActions(['Microsoft.Network/virtualHubs/bgpConnections/delete'], new Set())).toEqual(['action Microsoft.Network/virtualHubs/bgpConnections/delete is listed but no custom role grants it']);
    const ghost = { action: 'Microsoft.Network/virtualHubs/bgpConnections/delete', calledBy: 'NetworkManagementClient.virtualHubBgpConnection.beginDeleteAndWait', source: 'test' };
    expect(uncalledPermissions([ghost], 'this.network.virtualHubBgpConnection.beginCreateOrUpdateAndWait(rg)')).toEqual([
      'Microsoft.Network/virtualHubs/bgpConnections/delete: NetworkManagementClient.virtualHubBgpConnection.beginDeleteAndWait is not called by lib/adapters',
    ]);
  });

  it('lists each action once, without wildcards', () => {
    expect(armActions.size).toBe(armPermissions.length);
    expect(armPermissions.filter((p) => p.action.includes('*'))).toEqual([]);
  });

  it('defines custom roles only in infra/modules/app-access', () => {
    const withRoles = [...tree.values()].filter((m) => customRoleActions(m).length > 0).map((m) => path.relative(INFRA, m.dir));
    expect(withRoles).toEqual(['modules/app-access']);
  });

  it('names the action an SDK call needs (for 403 messages)', () => {
    expect(requiredAction('NetworkManagementClient.virtualHubBgpConnections.beginListLearnedRoutesAndWait')).toBe('Microsoft.Network/virtualHubs/bgpConnections/learnedRoutes/action');
    expect(requiredAction('NetworkManagementClient.virtualHubs.beginDeleteAndWait')).toBeUndefined();
  });
});
