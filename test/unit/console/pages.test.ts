import { readClusters, readGauges, readTenantPage, ShapeError } from '../../../lib/console/api-shapes.mjs';
import { gaugeLevel, renderGauges, scopeTitle } from '../../../lib/console/gauges.mjs';
import { advise, renderAdvice } from '../../../lib/console/problems.mjs';
import { nextAction, renderTenantPage, stepDuration } from '../../../lib/console/tenant-page.mjs';
import { groupByCluster, renderTenantsPage } from '../../../lib/console/tenant-table.mjs';
import { cluster, tenant } from './fixtures';

describe('tenants by cluster', () => {
  const clusters = [cluster('spoke1-aks', ['10.1.0.4', '10.1.0.5']), cluster('spoke2-aks', ['10.2.0.4'])];

  it('groups tenants under the cluster AKS lists, by name; tenants of an unlisted cluster come last', () => {
    const groups = groupByCluster(clusters, [tenant('b'), tenant('a'), tenant('c', { cluster: 'old-aks' })]);
    expect(groups.map((g) => [g.cluster, g.tenants.map((t) => t.name)])).toEqual([['spoke1-aks', ['a', 'b']], ['spoke2-aks', []], ['old-aks', ['c']]]);
  });

  it('a row shows phase, CIDR, routes per instance and firewall state', () => {
    const page = renderTenantsPage(clusters, [tenant('alpha')]).text;
    expect(page).toContain('data-tenant="spoke1-aks/alpha" data-phase="Ready"');
    expect(page).toContain('<code>10.99.0.0/29</code>');
    expect(page).toContain('<th title="RouteServiceRole_IN_0">/31s learned on IN_0</th>');
    expect(page).toContain('<th title="RouteServiceRole_IN_1">/31s learned on IN_1</th>');
    expect(page.match(/<td><span class="count ok" title="RouteServiceRole_IN_\d">2\/2<\/span><\/td>/g)).toHaveLength(2);
    expect(page).toMatch(/class="badge ok"[^>]*>open</);
    expect(page).toContain('href="#/tenants/spoke1-aks/alpha"');
    expect(page).toContain('No tenant on this cluster.');
  });

  it('while the firewall is being written, the row says how far the write is', () => {
    const t = tenant('x', { phase: 'OpeningFirewall', firewall: null });
    t.steps[4] = { name: 'openFirewall', state: 'Running', detail: 'queued behind 2 writes to egress-pilot-0' };
    expect(renderTenantsPage([cluster('spoke1-aks', [])], [t]).text).toContain('<div class="note">queued behind 2 writes to egress-pilot-0</div>');
    expect(renderTenantsPage([cluster('spoke1-aks', [])], [tenant('y')]).text).not.toContain('class="note"');
  });

  it('escapes what the API says', () => {
    expect(renderTenantsPage(clusters, [tenant('x', { phase: 'Failed', error: '<img src=x onerror=alert(1)>' })]).text).not.toContain('<img');
  });
});

describe('a tenant page', () => {
  it('shows every step with its state and duration, the error, and what to do', () => {
    const failed = tenant('a', { phase: 'Failed', error: 'routes not learned within 60s: IN_1 lacks 10.99.0.2/31' });
    failed.steps[3] = { name: 'waitForRoutes', state: 'Failed', startedAt: '2026-11-28T12:00:00.000Z', endedAt: '2026-11-28T12:01:05.000Z', detail: 'IN_1 lacks 10.99.0.2/31' };
    const page = renderTenantPage(failed, Date.parse('2026-11-28T12:10:00Z')).text;
    expect(page).toContain('data-step="waitForRoutes" data-state="Failed"');
    expect(page).toContain('1 min 5 s');
    expect(page).toContain('role="alert"');
    expect(page).toContain('routes not learned within 60s');
    expect(page).toContain('What to do:');
    expect(page).toContain('<code class="block">10.99.0.2/31</code>');
  });

  it('a running step shows how long it has been running', () => {
    expect(stepDuration({ startedAt: '2026-11-28T12:00:00.000Z' }, Date.parse('2026-11-28T12:00:03.500Z'))).toBe('3.5 s');
    expect(stepDuration({}, 0)).toBeUndefined();
  });

  it('a Ready tenant needs nothing; a failed update says the previous spec still serves', () => {
    expect(nextAction(tenant('a'))).toBeUndefined();
    expect(nextAction(tenant('a', { lastAttempt: { error: 'x' } }))).toMatch(/still serves its previous spec/);
  });

  it('shows issue 14 verification results when the tenant view has them, and says so when it does not', () => {
    // The shape GET shows (lib/domain/egress-verification.ts), read as the page reads it.
    const [read] = readTenantPage({ items: [{ ...tenant('a', { phase: 'Degraded' }), egress: {
      verifiedAt: '2026-11-28T12:00:00Z', ok: false, sourceSeen: '10.99.0.1', problems: ['www.tigera.io:443 refused by the firewall (470)'],
      results: [
        { target: 'www.tigera.io:443', kind: 'https', expected: 'allowed', outcome: 'refused', detail: 'refused by the firewall (470)', latencyMs: 12, ok: false },
        { target: 'www.example.com:80', kind: 'http', expected: 'refused', outcome: 'refused', detail: 'refused by the firewall (470)', ok: true },
      ],
    } }] }).items;
    const page = renderTenantPage(read!, 0).text;
    expect(page).toContain('data-target="www.tigera.io:443" data-ok="false"');
    expect(page).toMatch(/data-target="www.tigera.io:443"[^]*?class="badge bad">refused</);
    expect(page).toMatch(/data-target="www.example.com:80"[^]*?class="badge ok">refused</);
    expect(page).toContain('<li>www.tigera.io:443 refused by the firewall (470)</li>');
    expect(page).toContain('12 ms');
    expect(page).toContain('<code>10.99.0.1</code>');
    expect(page).toContain('not as expected');
    expect(renderTenantPage(tenant('a'), 0).text).toContain('Not reported');
  });
});

describe('capacity gauges', () => {
  it('levels: ok below 70 %, warn from 70 %, full from 90 % (or any use of a zero limit)', () => {
    expect([gaugeLevel(69, 100), gaugeLevel(70, 100), gaugeLevel(90, 100), gaugeLevel(0, 0), gaugeLevel(1, 0)]).toEqual(['ok', 'warn', 'full', 'ok', 'full']);
  });

  it('a gauge per figure, grouped by scope, the bar as long as the share used', () => {
    const markup = renderGauges([
      { scope: 'spoke1-aks', name: 'egress pool /31 blocks', used: 4, limit: 32768, unit: 'blocks' },
      { scope: 'spoke1-aks', name: 'routes per peer', used: 720, limit: 800, unit: 'routes' },
      { scope: 'policy', name: 'rule collection groups', used: 1, limit: 100, unit: 'groups' },
    ]).text;
    expect(markup.match(/<section class="gauges"/g)).toHaveLength(2);
    expect(markup).toContain('class="gauge full" data-gauge="routes per peer"');
    expect(markup).toContain('<rect class="fill" width="216"');
    expect(markup).toContain('720 / 800 routes (90 %)');
    expect(markup).toContain('>routes per peer</span>');
    // 4 of 32768 is a sliver, not an empty bar.
    expect(markup).toContain('<rect class="fill" width="2"');
  });

  it('names scopes in words', () => {
    expect(scopeTitle('peer:spoke1-aks/10.1.0.4')).toBe('Route reflector peer spoke1-aks/10.1.0.4');
    expect(scopeTitle('policy:hub-fw-policy')).toBe('Firewall policy hub-fw-policy');
    expect(scopeTitle('something')).toBe('something');
  });
});

describe('answers the console reads', () => {
  it('reads a tenants page and names the first wrong field', () => {
    expect(readTenantPage({ items: [tenant('a')] }).items[0]!.routes.learned).toEqual({ RouteServiceRole_IN_0: 2, RouteServiceRole_IN_1: 2 });
    expect(() => readTenantPage({ items: [{ ...tenant('a'), phase: 3 }] })).toThrow(new ShapeError('items[0].phase', 'is not a string'));
    expect(() => readTenantPage({})).toThrow('items is not a list');
  });

  it('reads clusters and gauges', () => {
    expect(readClusters({ clusters: [cluster('spoke1-aks', ['10.1.0.4'])] })[0]!.routeReflectors[0]!.routeServerConnection!.state).toBe('Connected');
    expect(() => readGauges({ gauges: [{ scope: 's', name: 'n', used: '1', limit: 2, unit: 'u' }] })).toThrow('gauges[0].used is not a number');
  });
});

describe('errors say what to do', () => {
  it('a refused key asks for a key again and says where to find one', () => {
    const a = advise({ kind: 'key-refused', status: 401 });
    expect(a.askKey).toBe(true);
    expect(a.title).toBe('The key was refused');
    expect(a.todo).toContain('sandbox.json');
    expect(a.todo).toContain('az functionapp keys list');
  });

  it('every kind of trouble has a what-to-do line', () => {
    const kinds = [
      { kind: 'no-key' }, { kind: 'key-refused', status: 403 }, { kind: 'unreachable', url: 'u', message: 'm' }, { kind: 'server', status: 500, url: 'u' },
      { kind: 'shape', url: 'u', field: 'f', reason: 'r' }, { kind: 'capacity-missing' }, { kind: 'tenant-missing', cluster: 'c', name: 'n' }, { kind: 'signed-out', status: 401 },
    ] as const;
    for (const k of kinds) expect(renderAdvice(k).text).toMatch(/What to do:<\/strong> \S/);
    expect(advise({ kind: 'capacity-missing' }).title).toBe('Capacity view not available');
  });
});
