import { namespaceConflicts, steeringTenant } from '../../../lib/domain/lifecycle/namespace-claims';

describe('namespace claims', () => {
  const t = (name: string, namespaces: string[], cluster = 'spoke1-aks') => ({ name, cluster, namespaces });
  it('refuses a namespace another tenant of the same cluster steers, naming the field', () => {
    expect(namespaceConflicts(t('tenant1', ['apps', 'default']), [t('tenant0', ['default'])]))
      .toEqual([{ field: 'namespaces[1]', reason: 'namespace default already egresses through tenant tenant0' }]);
  });
  it('ignores the tenant itself and other clusters', () => {
    expect(namespaceConflicts(t('tenant0', ['default']), [t('tenant0', ['default']), t('x', ['default'], 'spoke2-aks')])).toEqual([]);
  });
  it('reads which tenant a namespace is steered to from its annotation', () => {
    expect(steeringTenant({ 'egress.projectcalico.org/namespaceSelector': "projectcalico.org/name == 'tenant0-egw'" })).toBe('tenant0');
    expect(steeringTenant({})).toBeUndefined();
    // Policy steering names the tenant's EgressGatewayPolicy (named like its gateway namespace).
    expect(steeringTenant({ 'egress.projectcalico.org/egressGatewayPolicy': 'tenant0-egw' })).toBe('tenant0');
    expect(steeringTenant({ 'egress.projectcalico.org/egressGatewayPolicy': 'someone-elses-policy' })).toBeUndefined();
  });
});
