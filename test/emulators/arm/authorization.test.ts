/**
 * Azure RBAC in the ARM emulator: the pure decision (action and scope from the REST path, assignment scope
 * inheritance, wildcards, notActions), and through the real SDK: a granted call works, an ungranted one gets
 * ARM's 403 AuthorizationFailed naming client, action and scope, counted as a refusal.
 */
import { RestError } from '@azure/core-rest-pipeline';
import { ArmAuthorization, armActionOf, authorizeArm, type ArmGrant } from '../../../local/emulators/arm';
import { actionMatches, scopeCovers } from '../../../local/emulators/arm/authorization';
import { rbacRefusals } from '../../../local/emulators/arm/counts';
import { type Harness, HUB_RG, SPOKE_RG, startHarness } from './support';

const SUB = '/subscriptions/5f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f';
const HUB = `${SUB}/resourceGroups/demo-hub-network/providers/Microsoft.Network/virtualHubs/hub-rs`;
const POLICY = `${SUB}/resourceGroups/demo-hub-network/providers/Microsoft.Network/firewallPolicies/hub-fw-policy`;
const APP = '0b6f3c1e-9a0d-4d7e-8f21-5c4b3a291807';

describe('armActionOf: the action and scope ARM derives from method and path', () => {
  it.each([
    ['GET', HUB, 'Microsoft.Network/virtualHubs/read', HUB],
    ['GET', `${HUB}/bgpConnections`, 'Microsoft.Network/virtualHubs/bgpConnections/read', HUB],
    ['PUT', `${HUB}/bgpConnections/c1`, 'Microsoft.Network/virtualHubs/bgpConnections/write', `${HUB}/bgpConnections/c1`],
    ['DELETE', `${HUB}/bgpConnections/c1`, 'Microsoft.Network/virtualHubs/bgpConnections/delete', `${HUB}/bgpConnections/c1`],
    ['POST', `${HUB}/bgpConnections/c1/learnedRoutes`, 'Microsoft.Network/virtualHubs/bgpConnections/learnedRoutes/action', `${HUB}/bgpConnections/c1`],
    ['PATCH', POLICY, 'Microsoft.Network/firewallPolicies/write', POLICY],
    ['GET', `${POLICY}/ruleCollectionGroups/g`, 'Microsoft.Network/firewallPolicies/ruleCollectionGroups/read', `${POLICY}/ruleCollectionGroups/g`],
    ['POST', `${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c/listClusterUserCredential`,
      'Microsoft.ContainerService/managedClusters/listClusterUserCredential/action', `${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c`],
    // A top-level list: the scope ARM names is the resource group's provider namespace.
    ['GET', `${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters`, 'Microsoft.ContainerService/managedClusters/read', `${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService`],
    ['GET', `${SUB}/providers/Microsoft.Network/virtualHubs`, 'Microsoft.Network/virtualHubs/read', `${SUB}/providers/Microsoft.Network`],
    ['HEAD', `${SUB}/resourceGroups/rg`, 'Microsoft.Resources/subscriptions/resourceGroups/read', `${SUB}/resourceGroups/rg`],
    ['GET', `${SUB}/resourcegroups`, 'Microsoft.Resources/subscriptions/resourceGroups/read', SUB],
  ])('%s %s → %s', (method, path, action, scope) => {
    expect(armActionOf(method, path)).toEqual({ action, scope });
  });

  it('maps nothing it cannot read as ARM does (refused by the authorizer, never waved through)', () => {
    expect(armActionOf('GET', '/providers/Microsoft.Network/operations')).toBeUndefined();
    expect(armActionOf('POST', HUB)).toBeUndefined();
    expect(armActionOf('PUT', `${HUB}/bgpConnections`)).toBeUndefined();
    expect(armActionOf('OPTIONS', HUB)).toBeUndefined();
  });
});

describe('authorizeArm: assignments, scopes, wildcards, notActions', () => {
  const grant = (over: Partial<ArmGrant> = {}): ArmGrant => ({ principalId: APP, scope: HUB, role: 'rs', actions: ['Microsoft.Network/virtualHubs/read', 'Microsoft.Network/virtualHubs/bgpConnections/read'], notActions: [], ...over });

  it('allows an action at the assigned scope and below it, not beside or above it', () => {
    expect(authorizeArm([grant()], { principalId: APP, action: 'Microsoft.Network/virtualHubs/bgpConnections/read', scope: `${HUB}/bgpConnections/c1` }).allow).toBe(true);
    expect(authorizeArm([grant()], { principalId: APP.toUpperCase(), action: 'microsoft.network/virtualhubs/read', scope: HUB.toUpperCase() }).allow).toBe(true);
    expect(authorizeArm([grant()], { principalId: APP, action: 'Microsoft.Network/virtualHubs/read', scope: `${HUB}2` })).toEqual({ allow: false, action: 'Microsoft.Network/virtualHubs/read', scope: `${HUB}2` });
    expect(authorizeArm([grant()], { principalId: APP, action: 'Microsoft.Network/virtualHubs/read', scope: `${SUB}/resourceGroups/demo-hub-network` }).allow).toBe(false);
  });

  it('refuses another principal, an ungranted action, and what notActions take away', () => {
    expect(authorizeArm([grant()], { principalId: 'someone-else', action: 'Microsoft.Network/virtualHubs/read', scope: HUB }).allow).toBe(false);
    expect(authorizeArm([grant()], { principalId: APP, action: 'Microsoft.Network/virtualHubs/bgpConnections/write', scope: HUB }).allow).toBe(false);
    const wide = grant({ actions: ['Microsoft.Network/virtualHubs/*'], notActions: ['Microsoft.Network/virtualHubs/bgpConnections/delete'] });
    expect(authorizeArm([wide], { principalId: APP, action: 'Microsoft.Network/virtualHubs/bgpConnections/write', scope: HUB }).allow).toBe(true);
    expect(authorizeArm([wide], { principalId: APP, action: 'Microsoft.Network/virtualHubs/bgpConnections/delete', scope: HUB }).allow).toBe(false);
  });

  it('matches wildcards and segment-bounded scopes only', () => {
    expect(actionMatches('*/read', 'Microsoft.Network/virtualHubs/read')).toBe(true);
    expect(actionMatches('Microsoft.Network/virtualHubs/read', 'Microsoft.Network/virtualHubs/readX')).toBe(false);
    expect(scopeCovers(HUB, `${HUB}-other`)).toBe(false);
  });

  it('ArmAuthorization: a withheld action is refused until restored; a poll needs a grant over the operation\'s resource', () => {
    const authz = new ArmAuthorization([grant({ actions: ['Microsoft.Network/virtualHubs/bgpConnections/learnedRoutes/action'] })]);
    const learned = { principalId: APP, method: 'POST', path: `${HUB}/bgpConnections/c1/learnedRoutes`, poll: false };
    expect(authz.check(learned)).toBeUndefined();
    authz.withhold('Microsoft.Network/virtualHubs/bgpConnections/learnedRoutes/action');
    expect(authz.check(learned)).toEqual({ action: 'Microsoft.Network/virtualHubs/bgpConnections/learnedRoutes/action', scope: `${HUB}/bgpConnections/c1` });
    authz.restore();
    expect(authz.check(learned)).toBeUndefined();
    const poll = { principalId: APP, method: 'GET', path: `${SUB}/providers/Microsoft.Network/locations/westeurope/operations/op1`, poll: true };
    expect(authz.check({ ...poll, pollOf: `${HUB}/bgpConnections/c1` })).toBeUndefined();
    expect(authz.check({ ...poll, pollOf: POLICY })).toBeDefined();
    expect(authz.check({ principalId: APP, method: 'GET', path: '/providers/Microsoft.Network/operations', poll: false })?.action).toMatch(/^\(no ARM action for GET/);
  });
});

describe('ARM emulator with an authorization: the real SDK sees ARM\'s 403', () => {
  let h: Harness;
  const authz = new ArmAuthorization([
    { principalId: APP, scope: HUB, role: 'Route Server BGP operator', actions: ['Microsoft.Network/virtualHubs/read', 'Microsoft.Network/virtualHubs/bgpConnections/read', 'Microsoft.Network/virtualHubs/bgpConnections/write'], notActions: [] },
  ]);
  beforeAll(async () => { h = await startHarness({ authorization: authz }); });
  afterAll(async () => { await h.stop(); });

  it('a granted read and a long-running write (its polls included) succeed', async () => {
    expect((await h.network.virtualHubs.get(HUB_RG, 'hub-rs')).name).toBe('hub-rs');
    const created = await h.network.virtualHubBgpConnection.beginCreateOrUpdateAndWait(HUB_RG, 'hub-rs', 'rbac-c1', { peerIp: '10.1.0.40', peerAsn: 63400 }, h.lro);
    expect(created.provisioningState).toBe('Succeeded');
    expect(rbacRefusals(h.arm.control.counters()).total).toBe(0);
  });

  it('an ungranted call gets 403 AuthorizationFailed naming client, action and scope, and is counted', async () => {
    const error = await h.network.firewallPolicyRuleCollectionGroups.get(HUB_RG, 'hub-fw-policy', 'g1').then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(RestError);
    expect((error as RestError).statusCode).toBe(403);
    expect((error as RestError).code).toBe('AuthorizationFailed');
    expect((error as RestError).message).toBe(`The client '${APP}' with object id '${APP}' does not have authorization to perform action 'Microsoft.Network/firewallPolicies/ruleCollectionGroups/read' over scope '${POLICY}/ruleCollectionGroups/g1' or the scope is invalid. If access was recently granted, please refresh your credentials.`);
    const listing = await h.aks.managedClusters.listByResourceGroup(SPOKE_RG).next().then(() => undefined, (e: unknown) => e);
    expect((listing as RestError).statusCode).toBe(403);
    expect(rbacRefusals(h.arm.control.counters()).byAction).toEqual({ 'Microsoft.Network/firewallPolicies/ruleCollectionGroups/read': 1, 'Microsoft.ContainerService/managedClusters/read': 1 });
  });
});
