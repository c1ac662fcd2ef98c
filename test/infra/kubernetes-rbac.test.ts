/**
 * The `egress-pilot` ClusterRole (infra/modules/calico-operator) against what the app does in a cluster:
 * every kind the domain renders (lib/domain/kube-objects.ts) can be server-side applied and deleted, the
 * adapter's reads are allowed, and nothing else is granted. Kinds map to API group and plural through the
 * real CRDs in ../shared/reference/crds/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { CRD_DIR } from '../support/crd-validator';
import { missingGrants, type PolicyRule } from './contracts';
import type { Json, ModuleTree } from './hcl';
import { INFRA, loadInfra, mustGet } from './support';

let tree: ModuleTree;
beforeAll(async () => {
  tree = await loadInfra();
});


/** group/plural of every CRD kind, plus the core kinds the app touches. */
function resourceOfKind(): Map<string, { group: string; plural: string }> {
  const map = new Map<string, { group: string; plural: string }>([['Namespace', { group: '', plural: 'namespaces' }]]);
  for (const file of readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml'))) {
    const crd = parse(readFileSync(path.join(CRD_DIR, file), 'utf8')) as { spec: { group: string; names: { kind: string; plural: string } } };
    map.set(crd.spec.names.kind, { group: crd.spec.group, plural: crd.spec.names.plural });
  }
  return map;
}

/** Kinds the domain renders: `KubeObject<'Kind', ...>` in lib/domain/kube-objects.ts. */
function renderedKinds(): string[] {
  const source = readFileSync(path.resolve(__dirname, '../../lib/domain/kube-objects.ts'), 'utf8');
  return [...new Set([...source.matchAll(/KubeObject<\s*'(\w+)'/g)].map((m) => m[1]!))].sort();
}

function clusterRoleRules(): PolicyRule[] {
  const role = mustGet(tree, path.join(INFRA, 'modules/calico-operator')).resources.get('kubernetes_cluster_role_v1.egress_pilot');
  const rules = (role?.rule ?? []) as Json[];
  return rules.map((r) => r as unknown as PolicyRule);
}

describe('Kubernetes RBAC of the app identity (ClusterRole egress-pilot)', () => {
  it('finds the kinds the domain renders', () => {
    expect(renderedKinds()).toEqual(expect.arrayContaining(['IPPool', 'EgressGateway', 'BGPPeer', 'Namespace']));
  });

  it('can server-side apply (create + patch) and delete every rendered kind', () => {
    const kinds = resourceOfKind();
    const unknown = renderedKinds().filter((k) => !kinds.has(k));
    expect(unknown).toEqual([]);
    const needs = renderedKinds().map((k) => ({ ...kinds.get(k)!, verbs: ['get', 'create', 'patch', 'delete'] }));
    expect(missingGrants(clusterRoleRules(), needs)).toEqual([]);
  });

  it('can make the adapter reads: pods in gateway namespaces and route-reflector nodes', () => {
    expect(missingGrants(clusterRoleRules(), [{ group: '', plural: 'pods', verbs: ['list'] }, { group: '', plural: 'nodes', verbs: ['list'] }])).toEqual([]);
    // The bootstrap's Calico Enterprise check lists tigerastatuses; discovery and /openapi/v3 are non-resource URLs
    // every authenticated user may read (the built-in system:discovery ClusterRole).
    expect(missingGrants(clusterRoleRules(), [{ group: 'operator.tigera.io', plural: 'tigerastatuses', verbs: ['list'] }])).toEqual([]);
  });

  it('can run the egress probe: create, wait for (get) and delete a Job, read its pod (list) and its log, and no more', () => {
    const probe = [{ group: 'batch', plural: 'jobs', verbs: ['create', 'get', 'delete'] }, { group: '', plural: 'pods', verbs: ['list'] }, { group: '', plural: 'pods/log', verbs: ['get'] }];
    expect(missingGrants(clusterRoleRules(), probe)).toEqual([]);
    const jobs = clusterRoleRules().filter((r) => r.resources.includes('jobs') || r.resources.includes('pods/log'));
    expect(jobs.flatMap((r) => r.verbs).sort()).toEqual(['create', 'delete', 'get', 'get']);
  });

  it('the grant check can fail', () => {
    const rules = [{ api_groups: ['projectcalico.org'], resources: ['ippools'], verbs: ['get', 'patch'] }];
    expect(missingGrants(rules, [{ group: 'projectcalico.org', plural: 'ippools', verbs: ['patch', 'delete'] }, { group: '', plural: 'nodes', verbs: ['list'] }])).toEqual([
      'delete projectcalico.org/ippools',
      'list /nodes',
    ]);
  });

  it('grants nothing beyond those resources, and no wildcard', () => {
    const kinds = resourceOfKind();
    const needed = new Set(renderedKinds().map((k) => `${kinds.get(k)?.group}/${kinds.get(k)?.plural}`));
    for (const extra of ['/pods', '/nodes', 'operator.tigera.io/tigerastatuses', 'batch/jobs', '/pods/log']) needed.add(extra);
    const granted = clusterRoleRules().flatMap((r) => r.api_groups.flatMap((g) => r.resources.map((p) => `${g}/${p}`)));
    expect(granted.filter((g) => !needed.has(g))).toEqual([]);
    expect(JSON.stringify(clusterRoleRules())).not.toContain('"*"');
  });
});
