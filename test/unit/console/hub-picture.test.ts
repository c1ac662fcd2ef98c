import { layoutHub, renderHubSvg, fit, type Box } from '../../../lib/console/hub-picture.mjs';
import { cluster, tenant } from './fixtures';

const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
const inside = (inner: Box, outer: Box) => inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.w <= outer.x + outer.w && inner.y + inner.h <= outer.y + outer.h;

describe('hub picture', () => {
  const clusters = [cluster('spoke1-aks', ['10.1.0.4', '10.1.0.5']), cluster('spoke2-aks', ['10.2.0.4', '10.2.0.5'])];
  const tenants = [
    tenant('alpha'),
    tenant('beta', { routes: { expected: ['10.99.0.8/31', '10.99.0.10/31', '10.99.0.12/31'], learned: { RouteServiceRole_IN_0: 3, RouteServiceRole_IN_1: 1 } }, cidr: '10.99.0.8/29', phase: 'WaitingForRoutes' }),
    tenant('gamma', { cluster: 'spoke2-aks', cidr: '10.99.0.16/29', routes: { expected: ['10.99.0.16/31', '10.99.0.18/31'], learned: { RouteServiceRole_IN_0: 2, RouteServiceRole_IN_1: 2 } } }),
    tenant('gone', { phase: 'Deleted', routes: { expected: ['10.99.0.24/31'], learned: {} } }),
  ];
  const scene = layoutHub(clusters, tenants);

  it('draws both Route Server instances, every reflector, and one BGP session per reflector and instance', () => {
    expect(scene.boxes.filter((b) => b.kind === 'instance').map((b) => b.label)).toEqual(['IN_0', 'IN_1']);
    expect(scene.boxes.filter((b) => b.kind === 'reflector').map((b) => b.label)).toEqual(['10.1.0.4', '10.1.0.5', '10.2.0.4', '10.2.0.5']);
    expect(scene.sessions).toHaveLength(4 * 2);
    expect(scene.sessions.every((s) => s.tone === 'ok' && !s.dashed)).toBe(true);
  });

  it('draws every /31 of every tenant that holds routes, inside its tenant and its cluster; a Deleted tenant is left out', () => {
    const blocks = scene.boxes.filter((b) => b.kind === 'block');
    expect(blocks.map((b) => b.label)).toEqual(['10.99.0.0/31', '10.99.0.2/31', '10.99.0.8/31', '10.99.0.10/31', '10.99.0.12/31', '10.99.0.16/31', '10.99.0.18/31']);
    for (const block of blocks) {
      const owner = block.id.slice('block:'.length, block.id.lastIndexOf(':'));
      const tenantBox = scene.boxes.find((b) => b.id === `tenant:${owner}`)!;
      const clusterBox = scene.boxes.find((b) => b.id === `cluster:${owner.split('/')[0]}`)!;
      expect(inside(block, tenantBox)).toBe(true);
      expect(inside(tenantBox, clusterBox)).toBe(true);
    }
    expect(scene.boxes.some((b) => b.id.includes('gone'))).toBe(false);
    // beta's routes are not yet on IN_1: its /31s are drawn as still coming.
    expect(blocks.filter((b) => b.id.includes('/beta:')).every((b) => b.tone === 'busy')).toBe(true);
    expect(blocks.filter((b) => b.id.includes('/alpha:')).every((b) => b.tone === 'ok')).toBe(true);
  });

  it('no two boxes of the same kind overlap, and everything lies within the picture', () => {
    for (const kind of ['instance', 'cluster', 'reflector', 'tenant', 'block'] as const) {
      const same = scene.boxes.filter((b) => b.kind === kind);
      for (let i = 0; i < same.length; i++) for (let j = i + 1; j < same.length; j++) expect([same[i]!.id, same[j]!.id, overlaps(same[i]!, same[j]!)]).toEqual([same[i]!.id, same[j]!.id, false]);
    }
    for (const b of scene.boxes) expect(b.x >= 0 && b.y >= 0 && b.x + b.w <= scene.width && b.y + b.h <= scene.height).toBe(true);
  });

  it('each session ends at its own point of the instance, and no line is drawn over a label', () => {
    const ends = scene.sessions.map((s) => `${s.x2},${s.y2}`);
    expect(new Set(ends).size).toBe(scene.sessions.length);
    const svg = renderHubSvg(scene);
    const lastLine = svg.lastIndexOf('<line');
    expect(svg.indexOf('>spoke1-aks</text>')).toBeGreaterThan(lastLine);
    expect(svg.indexOf('>Azure Route Server</text>')).toBeGreaterThan(lastLine);
  });

  it('a missing BGP connection is drawn dashed and red, a connecting one dashed amber; a cluster out of sync is red', () => {
    const broken = cluster('spoke3-aks', ['10.3.0.4', '10.3.0.5'], { peering: { inSync: false, problems: ['reflector 10.3.0.5 has no Route Server connection'] } });
    broken.routeReflectors[0]!.routeServerConnection = { name: 'c', state: 'Connecting' };
    broken.routeReflectors[1]!.routeServerConnection = null;
    const s = layoutHub([broken], [tenant('a', { cluster: 'spoke3-aks' })]);
    expect(s.sessions.map((x) => [x.tone, x.dashed])).toEqual([['busy', true], ['busy', true], ['bad', true], ['bad', true]]);
    expect(s.boxes.find((b) => b.kind === 'cluster')!.tone).toBe('bad');
  });

  it('without any tenant routes read yet, sessions go to the Route Server itself', () => {
    const s = layoutHub([cluster('spoke1-aks', ['10.1.0.4'])], []);
    expect(s.boxes.filter((b) => b.kind === 'instance')).toEqual([]);
    expect(s.sessions.map((x) => x.to)).toEqual(['routeServer']);
  });

  it('the SVG holds every /31 and escapes names', () => {
    const svg = renderHubSvg(layoutHub([cluster('spoke1-aks', ['10.1.0.4'])], [tenant('a<b>&')]));
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('>10.99.0.0/31</text>');
    expect(svg).toContain('>10.99.0.2/31</text>');
    expect(svg).toContain('a&lt;b&gt;&amp;');
    expect(svg).not.toContain('a<b>');
  });

  it('the same input gives the same picture', () => {
    expect(renderHubSvg(layoutHub(clusters, tenants))).toBe(renderHubSvg(layoutHub(clusters, [...tenants].reverse())));
  });

  it('fit cuts a label to its box with an ellipsis', () => {
    expect(fit('10.1.0.4', 170)).toBe('10.1.0.4');
    const cut = fit('aks-nodepool1-10000000-vmss000000', 170);
    expect(cut).toBe('aks-nodepoo…vmss000000');
    expect(cut.length).toBeLessThanOrEqual(Math.floor((170 - 12) / 7));
  });
});
