import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import path from 'node:path';
import { ENTERPRISE_KINDS, FELIX_EGRESS_FIELD, judgeCalicoPrerequisites, schemaHasField, type CalicoFacts } from '../../../lib/domain/bootstrap/calico-prerequisites';
import { CRD_DIR } from '../../support/crd-validator';

const available = (name: string) => ({ name, conditions: [{ type: 'Available', status: 'True' }, { type: 'Progressing', status: 'False' }, { type: 'Degraded', status: 'False' }] });

const enterprise: CalicoFacts = {
  cluster: 'spoke1-aks',
  served: { tigeraStatus: true, egressGateway: true, egressGatewayPolicy: true, felixConfiguration: true },
  components: [available('apiserver'), available('calico')],
  felixEgressIpSupport: true,
};

const openSource: CalicoFacts = { ...enterprise, cluster: 'spoke2-aks', served: { ...enterprise.served, egressGateway: false, egressGatewayPolicy: false }, felixEgressIpSupport: false };

describe('Calico Enterprise / Calico Cloud prerequisites', () => {
  it('are met on Calico Enterprise with calico and apiserver Available', () => {
    expect(judgeCalicoPrerequisites(enterprise)).toEqual({ kind: 'met', detail: 'Calico Enterprise kinds served, tigerastatus calico, apiserver Available' });
  });

  it('name the cluster and every missing piece on the open-source operator, and how to fix it', () => {
    const verdict = judgeCalicoPrerequisites(openSource);
    expect(verdict.kind).toBe('missing');
    expect(verdict).toEqual({
      kind: 'missing',
      reason: 'cluster spoke2-aks does not serve operator.tigera.io/v1 EgressGateway, projectcalico.org/v3 EgressGatewayPolicy and Felix egress IP support (FelixConfiguration spec.egressIPSupport): '
        + 'egress gateways need Calico Enterprise or Calico Cloud; the open-source Tigera operator is installed (tigerastatus calico, apiserver Available, no Enterprise kinds). '
        + 'To fix: install Calico Enterprise (Tigera operator with license key and image pull secret) or join the cluster to Calico Cloud (infra/calico), then POST /api/clusters/spoke2-aks/bootstrap',
    });
  });

  it('name a single missing kind alone', () => {
    const verdict = judgeCalicoPrerequisites({ ...enterprise, served: { ...enterprise.served, egressGatewayPolicy: false } });
    expect(verdict.kind === 'missing' && verdict.reason).toMatch(/^cluster spoke1-aks does not serve projectcalico\.org\/v3 EgressGatewayPolicy: .*only part of them/);
  });

  it('wait (not fail) while the operator or its components are still coming up', () => {
    expect(judgeCalicoPrerequisites({ ...openSource, served: { ...openSource.served, tigeraStatus: false }, components: [] })).toMatchObject({ kind: 'wait', reason: expect.stringMatching(/^cluster spoke2-aks has no Tigera operator/) });
    const installing = { ...openSource, components: [available('calico'), { name: 'apiserver', conditions: [{ type: 'Available', status: 'False' }, { type: 'Progressing', status: 'True', message: 'waiting for the API server deployment' }] }] };
    expect(judgeCalicoPrerequisites(installing)).toEqual({ kind: 'wait', reason: 'cluster spoke2-aks: Calico is not ready: tigerastatus apiserver is not Available' });
    expect(judgeCalicoPrerequisites({ ...enterprise, components: [available('calico')] })).toEqual({ kind: 'wait', reason: 'cluster spoke1-aks: Calico is not ready: tigerastatus apiserver does not exist' });
    const degraded = { ...enterprise, components: [available('apiserver'), { name: 'calico', conditions: [{ type: 'Available', status: 'True' }, { type: 'Degraded', status: 'True', reason: 'ResourceNotReady', message: 'calico-node not ready on 1 node' }] }] };
    expect(judgeCalicoPrerequisites(degraded)).toEqual({ kind: 'wait', reason: 'cluster spoke1-aks: Calico is not ready: tigerastatus calico is Degraded (calico-node not ready on 1 node)' });
  });

  it('do not block on Calico Cloud components, nor on a Felix schema the cluster does not publish', () => {
    const cloud = { ...enterprise, components: [...enterprise.components, { name: 'intrusion-detection', conditions: [{ type: 'Degraded', status: 'True' }] }], felixEgressIpSupport: undefined };
    expect(judgeCalicoPrerequisites(cloud)).toMatchObject({ kind: 'met', detail: expect.stringContaining('egressIPSupport not verified') });
  });
});

describe('schemaHasField (OpenAPI v3 of a group-version)', () => {
  const felixCrd = parse(readFileSync(path.join(CRD_DIR, 'projectcalico.org_felixconfigurations.yaml'), 'utf8')) as { spec: { versions: Array<{ schema: { openAPIV3Schema: Record<string, unknown> } }> } };
  const schema = felixCrd.spec.versions[0]!.schema.openAPIV3Schema;
  const gvk = [{ group: 'projectcalico.org', version: 'v3', kind: 'FelixConfiguration' }];
  const document = (s: Record<string, unknown>) => ({ openapi: '3.0.0', components: { schemas: { 'org.projectcalico.v3.FelixConfiguration': { ...s, 'x-kubernetes-group-version-kind': gvk } } } });

  it('finds egressIPSupport in the Enterprise FelixConfiguration schema (reference CRD)', () => {
    expect(schemaHasField(document(schema), ENTERPRISE_KINDS.felixConfiguration, FELIX_EGRESS_FIELD)).toBe(true);
  });

  it('says false for a schema without it (open-source Felix), undefined for a document without the kind', () => {
    const spec = (schema.properties as { spec: { properties: Record<string, unknown> } }).spec;
    const { egressIPSupport: _dropped, ...rest } = spec.properties;
    const ossSchema = { ...schema, properties: { ...(schema.properties as object), spec: { ...spec, properties: rest } } };
    expect(schemaHasField(document(ossSchema), ENTERPRISE_KINDS.felixConfiguration, FELIX_EGRESS_FIELD)).toBe(false);
    expect(schemaHasField({ components: { schemas: {} } }, ENTERPRISE_KINDS.felixConfiguration, FELIX_EGRESS_FIELD)).toBeUndefined();
    expect(schemaHasField(undefined, ENTERPRISE_KINDS.felixConfiguration, FELIX_EGRESS_FIELD)).toBeUndefined();
  });

  it('follows $ref and allOf as the API server publishes aggregated schemas', () => {
    const doc = {
      components: {
        schemas: {
          'com.tigera.FelixConfiguration': { 'x-kubernetes-group-version-kind': gvk, properties: { spec: { allOf: [{ $ref: '#/components/schemas/com.tigera.FelixConfigurationSpec' }], default: {} } } },
          'com.tigera.FelixConfigurationSpec': { properties: { egressIPSupport: { type: 'string' } } },
        },
      },
    };
    expect(schemaHasField(doc, ENTERPRISE_KINDS.felixConfiguration, FELIX_EGRESS_FIELD)).toBe(true);
    expect(schemaHasField(doc, ENTERPRISE_KINDS.felixConfiguration, ['spec', 'bpfEnabled'])).toBe(false);
  });
});
