/**
 * Fidelity to the reference: every object applied in ../shared/reference/seed-walkthrough.md is (a) valid against
 * the CRDs by our validator, and (b) contained in what the renderers produce for the same inputs (we may add
 * fields, e.g. ownership labels or the BGPFilter reference on the Route Server peers, but never drop or change one).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderClusterManifests, renderTenantManifests } from '../../../lib/domain/calico-manifests';
import { validateCustomResource } from '../../support/crd-validator';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
}
const walkthrough = readFileSync(path.resolve(__dirname, '../../../../shared/reference/seed-walkthrough.md'), 'utf8');
const applied: Obj[] = [...walkthrough.matchAll(/kubectl apply -f - <<EOF\n([\s\S]*?)\nEOF/g)].flatMap((m) =>
  parseAllDocuments(m[1]!)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null),
);
const find = (kind: string, name: string) => {
  const found = applied.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`walkthrough has no ${kind} ${name}`);
  return found;
};

describe('reference walkthrough objects', () => {
  it('are all found and valid against the CRDs', () => {
    expect(applied.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'BGPConfiguration/default',
      'BGPPeer/peer-with-route-reflectors',
      'BGPPeer/azure-route-server-a',
      'BGPPeer/azure-route-server-b',
      'Namespace/tenant0-egw',
      'IPPool/tenant0-pool',
      'EgressGateway/tenant0-egw',
      'BGPFilter/export-egress-ips',
      'EgressGatewayPolicy/egw-policy',
    ]);
    for (const object of applied.filter((o) => o.kind !== 'Namespace')) expect([object.kind, validateCustomResource(object).errors]).toEqual([object.kind, []]);
  });

  it('are reproduced by the tenant renderer', () => {
    const t = renderTenantManifests({
      spec: { name: 'tenant0', cluster: 'spoke1-aks', namespaces: ['default'], gateway: { replicas: 2, prefixLength: 29 } },
      cidr: '10.99.0.0/29',
    });
    expect(t.namespace).toMatchObject(find('Namespace', 'tenant0-egw'));
    expect(t.ipPool).toMatchObject(find('IPPool', 'tenant0-pool'));
    expect(t.egressGateway).toMatchObject(find('EgressGateway', 'tenant0-egw'));
    // `kubectl annotate ns default egress.projectcalico.org/namespaceSelector="projectcalico.org/name == 'tenant0-egw'"`
    expect(t.namespaceAnnotations[0]!.annotations['egress.projectcalico.org/namespaceSelector']).toBe("projectcalico.org/name == 'tenant0-egw'");
  });

  it('are reproduced by the cluster renderer (the walkthrough filtered on the one tenant /29)', () => {
    const c = renderClusterManifests({
      calicoAsn: 63400,
      routeServerAsn: 65515,
      routeServerIps: ['10.0.1.4', '10.0.1.5'],
      subnetGateway: '10.1.0.1',
      egressSupernet: '10.99.0.0/29',
    });
    expect(c.bgpConfiguration).toMatchObject(find('BGPConfiguration', 'default'));
    expect(c.routeReflectorPeer).toMatchObject(find('BGPPeer', 'peer-with-route-reflectors'));
    expect(c.routeServerPeers[0]).toMatchObject(find('BGPPeer', 'azure-route-server-a'));
    expect(c.routeServerPeers[1]).toMatchObject(find('BGPPeer', 'azure-route-server-b'));
    expect(c.exportFilter).toMatchObject(find('BGPFilter', 'export-egress-ips'));
    // `kubectl patch felixconfiguration default ... {"spec":{"egressIPSupport":"EnabledPerNamespaceOrPerPod"}}`
    expect(c.felixConfiguration.spec).toEqual({ egressIPSupport: 'EnabledPerNamespaceOrPerPod' });
    // `kubectl patch ippool default-ipv4-ippool --type='merge' -p '{"spec":{"disableBGPExport": true}}'`
    expect(c.defaultPoolPatch.patch).toEqual({ spec: { disableBGPExport: true } });
  });
});
