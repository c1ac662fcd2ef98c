import { appSettings, ConfigError, parseConfig } from '../../../lib/domain/config';

const minimal = {
  AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000001',
  ROUTE_SERVER_RESOURCE_GROUP: 'demo-hub-network',
  ROUTE_SERVER_NAME: 'hub-rs',
  FIREWALL_POLICY_RESOURCE_GROUP: 'demo-hub-network',
  FIREWALL_POLICY_NAME: 'hub-fw-policy',
  AKS_RESOURCE_GROUP: 'demo-spoke-networks',
  REGISTRY_CONNECTION_STRING: 'UseDevelopmentStorage=true',
};

function problemsOf(env: Record<string, string | undefined>): Array<{ name: string; reason: string }> {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected parseConfig to throw');
}

describe('parseConfig', () => {
  it('applies every documented default', () => {
    const config = parseConfig(minimal);
    expect(config).toMatchObject({
      armEndpoint: 'https://management.azure.com',
      armAudience: 'https://management.azure.com',
      armScope: 'https://management.azure.com/.default',
      kubeTokenAudience: '6dae42f8-4368-4678-94ff-3960e28e3630',
      kubeTokenScope: '6dae42f8-4368-4678-94ff-3960e28e3630/.default',
      registry: { kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' },
      registryTablePrefix: 'egress',
      egressSupernet: '10.99.0.0/16',
      egressReservedCidrs: [],
      defaultPoolPrefixLength: 29,
      calicoAsn: 63400,
      routeServerAsn: 65515,
      routeWaitDeadlineSeconds: 600,
      routePollInitialSeconds: 5,
      routePollMaxSeconds: 60,
      onRouteFailure: 'rollback',
      routeBudgetPerPeer: 800,
      firewallMaxRuleCollectionGroups: 50,
      firewallRcgPriorityBase: 10000,
      allowBroadRules: false,
      eventGridTopicEndpoint: undefined,
      driftRepair: false,
    });
  });

  it('derives the ARM audience from a custom endpoint and accepts an explicit scope', () => {
    const local = parseConfig({ ...minimal, ARM_ENDPOINT: 'https://127.0.0.1:8443/' });
    expect(local.armEndpoint).toBe('https://127.0.0.1:8443');
    expect(local.armScope).toBe('https://127.0.0.1:8443/.default');
    const explicit = parseConfig({ ...minimal, ARM_AUDIENCE: 'https://management.usgovcloudapi.net/.default' });
    expect(explicit.armAudience).toBe('https://management.usgovcloudapi.net');
  });

  it('parses lists, booleans and the identity-based registry', () => {
    const { REGISTRY_CONNECTION_STRING: _unused, ...rest } = minimal;
    const config = parseConfig({
      ...rest,
      REGISTRY_TABLE_ENDPOINT: 'https://acct.table.core.windows.net',
      EGRESS_RESERVED_CIDRS: ' 10.99.0.0/24, 10.99.255.0/24 ,',
      ALLOW_BROAD_RULES: 'TRUE',
      DRIFT_REPAIR: '0',
      ON_ROUTE_FAILURE: 'keep',
    });
    expect(config.registry).toEqual({ kind: 'endpoint', endpoint: 'https://acct.table.core.windows.net' });
    expect(config.egressReservedCidrs).toEqual(['10.99.0.0/24', '10.99.255.0/24']);
    expect(config.allowBroadRules).toBe(true);
    expect(config.driftRepair).toBe(false);
    expect(config.onRouteFailure).toBe('keep');
  });

  it('keeps the default pool prefix inside what a spec may use', () => {
    expect(parseConfig({ ...minimal, DEFAULT_POOL_PREFIX_LENGTH: '28' }).defaultPoolPrefixLength).toBe(28);
    expect(problemsOf({ ...minimal, DEFAULT_POOL_PREFIX_LENGTH: '30' })).toEqual([{ name: 'DEFAULT_POOL_PREFIX_LENGTH', reason: 'must be 20..29' }]);
    expect(problemsOf({ ...minimal, DEFAULT_POOL_PREFIX_LENGTH: '19' })).toEqual([{ name: 'DEFAULT_POOL_PREFIX_LENGTH', reason: 'must be 20..29' }]);
  });

  it('treats blank values as unset', () => {
    expect(parseConfig({ ...minimal, CALICO_ASN: '  ' }).calicoAsn).toBe(63400);
  });

  it('lists every missing and bad setting in one error', () => {
    const problems = problemsOf({
      ROUTE_SERVER_NAME: 'hub-rs',
      AZURE_SUBSCRIPTION_ID: 'not-a-guid',
      CALICO_ASN: '65515',
      ROUTE_BUDGET_PER_PEER: '1200',
      DEFAULT_POOL_PREFIX_LENGTH: 'abc',
      ALLOW_BROAD_RULES: 'yes',
      ON_ROUTE_FAILURE: 'retry',
      EGRESS_SUPERNET: '10.99.0.1/16',
      ROUTE_POLL_INITIAL_SECONDS: '90',
    });
    const names = [...new Set(problems.map((p) => p.name))].sort();
    expect(names).toEqual(
      [
        'AKS_RESOURCE_GROUP',
        'ALLOW_BROAD_RULES',
        'AZURE_SUBSCRIPTION_ID',
        'CALICO_ASN',
        'DEFAULT_POOL_PREFIX_LENGTH',
        'EGRESS_SUPERNET',
        'FIREWALL_POLICY_NAME',
        'FIREWALL_POLICY_RESOURCE_GROUP',
        'ON_ROUTE_FAILURE',
        'REGISTRY_TABLE_ENDPOINT',
        'ROUTE_BUDGET_PER_PEER',
        'ROUTE_POLL_INITIAL_SECONDS',
        'ROUTE_SERVER_RESOURCE_GROUP',
      ].sort(),
    );
    expect(problems.find((p) => p.name === 'AKS_RESOURCE_GROUP')?.reason).toBe('is required');
    expect(problems.find((p) => p.name === 'ROUTE_BUDGET_PER_PEER')?.reason).toBe('must be 1..1000');
    expect(problems.find((p) => p.name === 'CALICO_ASN')?.reason).toMatch(/reserved/);
  });

  it('puts every problem in the error message, one per line', () => {
    expect(() => parseConfig({})).toThrow(/AZURE_SUBSCRIPTION_ID: is required\n(.|\n)*AKS_RESOURCE_GROUP: is required/);
  });

  it('refuses both registry locations at once and reserved CIDRs outside the supernet', () => {
    const problems = problemsOf({
      ...minimal,
      REGISTRY_TABLE_ENDPOINT: 'https://acct.table.core.windows.net',
      EGRESS_RESERVED_CIDRS: '10.98.0.0/24',
      FIREWALL_RCG_PRIORITY_BASE: '64990',
    });
    expect(problems.map((p) => p.name).sort()).toEqual(['EGRESS_RESERVED_CIDRS', 'FIREWALL_RCG_PRIORITY_BASE', 'REGISTRY_TABLE_ENDPOINT']);
  });
});

describe('appSettings', () => {
  it('lists every setting once, with required flags derived from the schema', () => {
    const names = appSettings.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(appSettings.filter((s) => s.required).map((s) => s.name).sort()).toEqual(
      [
        'AKS_RESOURCE_GROUP',
        'AZURE_SUBSCRIPTION_ID',
        'FIREWALL_POLICY_NAME',
        'FIREWALL_POLICY_RESOURCE_GROUP',
        'ROUTE_SERVER_NAME',
        'ROUTE_SERVER_RESOURCE_GROUP',
      ].sort(),
    );
    for (const name of ['ARM_ENDPOINT', 'EGRESS_SUPERNET', 'ROUTE_BUDGET_PER_PEER', 'DRIFT_REPAIR', 'EVENT_GRID_TOPIC_ENDPOINT'])
      expect(names).toContain(name);
    expect(appSettings.every((s) => s.description.length > 10)).toBe(true);
    expect(appSettings.filter((s) => s.secret).map((s) => s.name)).toEqual(['REGISTRY_CONNECTION_STRING']);
  });

  it('has exactly the settings parseConfig reads', () => {
    // A setting parseConfig reads but appSettings lacks would make infra silently miss it.
    const read = new Set<string>();
    const env = new Proxy<Record<string, string | undefined>>(
      { ...minimal },
      { get: (target, key) => (typeof key === 'string' && read.add(key), target[key as string]) },
    );
    parseConfig(env);
    expect([...read].sort()).toEqual(appSettings.map((s) => s.name).sort());
  });
});
