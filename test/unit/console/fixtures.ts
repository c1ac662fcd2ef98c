import type { Cluster, Tenant } from '../../../lib/console/api-shapes.mjs';

const IN0 = 'RouteServiceRole_IN_0';
const IN1 = 'RouteServiceRole_IN_1';

/** A tenant as GET /api/tenants shows it (the shape of a real sandbox answer), with `over` applied. */
export function tenant(name: string, over: Partial<Tenant> = {}): Tenant {
  return {
    name, cluster: 'spoke1-aks', cidr: '10.99.0.0/29', phase: 'Ready', operation: 'onboard',
    steps: [
      { name: 'allocateCidr', state: 'Succeeded', startedAt: '2026-11-28T12:12:01.581Z', endedAt: '2026-11-28T12:12:02.071Z', detail: '10.99.0.0/29' },
      { name: 'checkCapacity', state: 'Succeeded', startedAt: '2026-11-28T12:12:02.071Z', endedAt: '2026-11-28T12:12:02.754Z' },
      { name: 'applyGateway', state: 'Succeeded', startedAt: '2026-11-28T12:12:02.754Z', endedAt: '2026-11-28T12:12:04.056Z' },
      { name: 'waitForRoutes', state: 'Succeeded', startedAt: '2026-11-28T12:12:04.056Z', endedAt: '2026-11-28T12:12:05.113Z' },
      { name: 'openFirewall', state: 'Succeeded', startedAt: '2026-11-28T12:12:05.113Z', endedAt: '2026-11-28T12:12:06.675Z' },
      { name: 'publishReady', state: 'Succeeded', startedAt: '2026-11-28T12:12:06.675Z', endedAt: '2026-11-28T12:12:06.740Z' },
    ],
    routes: { expected: ['10.99.0.0/31', '10.99.0.2/31'], learned: { [IN0]: 2, [IN1]: 2 } },
    firewall: { ruleCollectionGroup: 'egress-pilot-0', ruleCollections: [`tenant-spoke1-aks.${name}-app`, `tenant-spoke1-aks.${name}-net`] },
    ...over,
  };
}

export function cluster(name: string, reflectorIps: string[], over: Partial<Cluster> = {}): Cluster {
  return {
    name,
    bootstrap: { state: 'Ready' },
    routeReflectors: reflectorIps.map((ip, i) => ({ name: `aks-nodepool1-${name}-vmss00000${i}`, ip, ready: true, routeServerConnection: { name: `${name}-rr-${ip.replaceAll('.', '-')}`, state: 'Connected' } })),
    peering: { inSync: true, problems: [] },
    tenants: [],
    ...over,
  };
}
