import { phases } from '../lib/domain/lifecycle/progress';
import { AKS_CLUSTER_NAME, DNS1123_LABEL, MAX_TENANT_NAME_LENGTH } from '../lib/domain/names';
import { SPEC_LIMITS } from '../lib/domain/tenant-spec';
import { MAX_BODY_BYTES } from './request-guards';

/** The tenant API as OpenAPI 3.0, served at GET /api/openapi.json. Kept next to the handlers it describes. */
const tenantSpec = {
  type: 'object',
  required: ['name', 'cluster'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', description: 'DNS-1123 label; derives the namespace <name>-egw, IPPool <name>-pool, …', example: 'tenant0' },
    cluster: { type: 'string', description: 'AKS cluster name in the configured resource group', example: 'spoke1-aks' },
    namespaces: { type: 'array', items: { type: 'string' }, description: 'Application namespaces whose egress goes through the tenant gateway', example: ['default'] },
    gateway: {
      type: 'object',
      additionalProperties: false,
      properties: {
        replicas: { type: 'integer', minimum: 1, default: 2 },
        prefixLength: { type: 'integer', description: 'Tenant pool size; must hold replicas + 1 /31 blocks', default: 29 },
        steering: {
          type: 'object', required: ['mode'], additionalProperties: false,
          description: 'Which destinations take the gateway. namespace (default): all egress of the application namespaces. policy: the tenant\'s EgressGatewayPolicy, rules in order (narrower destinations first), what no rule names goes through the gateway.',
          properties: {
            mode: { type: 'string', enum: ['namespace', 'policy'] },
            rules: {
              type: 'array', minItems: 1, maxItems: SPEC_LIMITS.maxSteeringRules, description: 'policy only',
              items: {
                type: 'object', required: ['destination', 'via'], additionalProperties: false,
                properties: { destination: { type: 'string', description: 'Aligned IPv4 CIDR', example: '10.0.0.0/8' }, via: { type: 'string', enum: ['gateway', 'direct'] } },
              },
              example: [{ destination: '10.0.0.0/8', via: 'direct' }],
            },
          },
        },
      },
    },
    createNamespaces: { type: 'boolean', default: false, description: 'Create application namespaces that do not exist (managed-by label; deleted on offboarding only when empty). Off: a missing namespace is refused with 422.' },
    allow: {
      type: 'object',
      additionalProperties: false,
      properties: {
        applications: {
          type: 'array',
          items: {
            type: 'object', required: ['name', 'fqdns', 'protocols'], additionalProperties: false,
            properties: {
              name: { type: 'string' },
              fqdns: { type: 'array', items: { type: 'string' }, example: ['www.tigera.io'] },
              protocols: { type: 'array', items: { type: 'string', pattern: '^(Http|Https|Mssql):[0-9]+$' }, example: ['Http:80', 'Https:443'] },
            },
          },
        },
        networks: {
          type: 'array',
          items: {
            type: 'object', required: ['name', 'destinations', 'ports', 'protocols'], additionalProperties: false,
            properties: {
              name: { type: 'string' },
              destinations: { type: 'array', items: { type: 'string' }, description: 'IPv4 CIDRs, addresses or FQDNs', example: ['1.1.1.1/32'] },
              ports: { type: 'array', items: { type: 'string' }, example: ['53'] },
              protocols: { type: 'array', items: { type: 'string', enum: ['TCP', 'UDP', 'ICMP', 'Any'] } },
            },
          },
        },
      },
    },
  },
};

const step = {
  type: 'object',
  properties: {
    name: { type: 'string' }, state: { type: 'string', enum: ['Pending', 'Running', 'Succeeded', 'Failed', 'Skipped'] },
    startedAt: { type: 'string', format: 'date-time' }, endedAt: { type: 'string', format: 'date-time' }, detail: { type: 'string' },
  },
};

const tenantStatus = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    cluster: { type: 'string' },
    cidr: { type: 'string', nullable: true, example: '10.99.0.0/29' },
    phase: { type: 'string', enum: [...phases] },
    steps: { type: 'array', items: step },
    routes: {
      type: 'object',
      properties: {
        expected: { type: 'array', items: { type: 'string' } },
        learned: { type: 'object', additionalProperties: { type: 'integer' }, description: 'Route Server instance → expected /31s learned' },
      },
    },
    firewall: { type: 'object', nullable: true, properties: { ruleCollectionGroup: { type: 'string' }, ruleCollection: { type: 'string' }, ruleCollections: { type: 'array', items: { type: 'string' } } } },
    error: { type: 'string', description: 'Why the tenant is Failed, or Degraded (the egress target and outcome)' },
    egress: {
      type: 'object', description: 'The last egress verification (verifyEgress step or POST .../verify)',
      properties: {
        verifiedAt: { type: 'string', format: 'date-time' }, ok: { type: 'boolean' },
        sourceSeen: { type: 'string', description: 'Source address the in-network echo saw (EGRESS_PROBE_ECHO)', example: '10.99.0.2' },
        skipped: { type: 'string', description: 'Why nothing was probed (no application namespace)' },
        problems: { type: 'array', items: { type: 'string' }, example: ['www.tigera.io:443 refused by the firewall (470)'] },
        ranIn: { type: 'object', properties: { namespace: { type: 'string' }, job: { type: 'string' } } },
        results: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              target: { type: 'string', example: 'www.tigera.io:443' }, kind: { type: 'string', enum: ['http', 'https', 'tcp', 'udp', 'echo'] },
              expected: { type: 'string', enum: ['allowed', 'refused', 'source-in-cidr', 'source-outside-cidr'] },
              outcome: { type: 'string', enum: ['allowed', 'refused', 'error', 'skipped'] }, detail: { type: 'string', example: 'HTTP 200' },
              latencyMs: { type: 'integer' }, ok: { type: 'boolean' },
            },
          },
        },
      },
    },
    lastAttempt: {
      type: 'object', description: 'A failed update: the tenant stays Ready on its previous spec; this says what failed',
      properties: { outcome: { type: 'string', enum: ['Failed'] }, step: { type: 'string' }, error: { type: 'string' }, at: { type: 'string', format: 'date-time' } },
    },
    spec: { $ref: '#/components/schemas/TenantSpec' },
  },
};

const connection = { type: 'object', properties: { name: { type: 'string' }, state: { type: 'string', example: 'Connected' } } };

/** GET /api/clusters: one AKS cluster (lib/domain/bootstrap/cluster-view.ts). */
const clusterView = {
  type: 'object',
  properties: {
    name: { type: 'string', example: 'spoke1-aks' },
    provisioningState: { type: 'string', example: 'Succeeded' },
    powerState: { type: 'string', example: 'Running' },
    bootstrap: {
      type: 'object', description: 'The cluster:<name> bootstrap orchestration',
      properties: {
        state: { type: 'string', enum: ['NeverBootstrapped', 'Running', 'Ready', 'Failed', 'Terminated'] },
        step: { type: 'string', description: 'Current step while Running' }, reason: { type: 'string', description: 'What started it' },
        error: { type: 'string', description: 'Why it Failed (e.g. Calico Enterprise prerequisites missing)' }, lastUpdated: { type: 'string', format: 'date-time' },
      },
    },
    routeReflectors: {
      type: 'array',
      items: { type: 'object', properties: { name: { type: 'string' }, ip: { type: 'string' }, ready: { type: 'boolean' }, routeServerConnection: { ...connection, nullable: true } } },
    },
    staleConnections: { type: 'array', description: 'Route Server connections of this cluster to peers that are no longer route reflectors', items: { type: 'object', properties: { name: { type: 'string' }, peerIp: { type: 'string' }, state: { type: 'string' } } } },
    peering: { type: 'object', properties: { inSync: { type: 'boolean' }, problems: { type: 'array', items: { type: 'string' } } } },
    tenants: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, phase: { type: 'string', enum: [...phases] }, cidr: { type: 'string', nullable: true } } } },
    routeBudget: {
      type: 'object', description: 'Routes each route reflector advertises at most (tenants that may still advertise), against ROUTE_BUDGET_PER_PEER',
      properties: { routesPerPeer: { type: 'integer' }, budgetPerPeer: { type: 'integer' }, tenantsCounted: { type: 'integer' } },
    },
    unreachable: { type: 'string', description: 'Why the cluster could not be read' },
  },
};

/** GET /api/capacity (lib/domain/capacity-view.ts): the same computation as the onboarding capacity check. */
const gauge = {
  type: 'object', description: 'One limit as a gauge the console draws: used of limit, in unit',
  properties: {
    scope: { type: 'string', description: 'What the limit belongs to: pool:<supernet>, peer:<cluster>/<peer IP>, policy:<name>', example: 'peer:spoke1-aks/10.1.0.4' },
    name: { type: 'string', enum: ['poolBlocks', 'routesPerPeer', 'ruleCollectionGroups', 'networkRulePairs', 'groupSize'], description: 'Which limit' },
    used: { type: 'number' }, limit: { type: 'number' },
    unit: { type: 'string', enum: ['blocks', 'routes', 'groups', 'pairs', 'bytes'] },
    budget: { type: 'number', description: 'A line below the limit egress-pilot keeps under: ROUTE_BUDGET_PER_PEER for a peer, 90% of 2 MB for a group' },
  },
};
const capacityView = {
  type: 'object',
  properties: {
    generatedAt: { type: 'string', format: 'date-time' },
    clusters: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          cluster: { type: 'string', example: 'spoke1-aks' },
          egressPool: {
            type: 'object', description: 'The egress supernet (one pool shared by every cluster) counted in blocks of blockPrefixLength, and this cluster\'s tenants in it',
            properties: {
              supernet: { type: 'string', example: '10.99.0.0/16' }, blockPrefixLength: { type: 'integer', example: 29 },
              usedBlocks: { type: 'integer', description: 'Blocks not free (allocated, quarantined until withdrawn, reserved)' }, freeBlocks: { type: 'integer' }, totalBlocks: { type: 'integer' },
              tenants: { type: 'array', items: { type: 'object', properties: { tenant: { type: 'string' }, cidr: { type: 'string' } } } },
            },
          },
          routeReflectors: {
            type: 'array', description: 'One Route Server peer per route reflector connection of the cluster',
            items: {
              type: 'object',
              properties: {
                peer: { type: 'string', description: 'Reflector IP', example: '10.1.0.4' }, connection: { type: 'string' }, state: { type: 'string' },
                routesAdvertised: { type: 'integer', description: 'Routes Route Server learned from this peer now (most on one instance)' },
                routesReserved: { type: 'integer', description: 'Upper bound the capacity check counts: every /31 block of every tenant that may advertise' },
                routeBudget: { type: 'integer', description: 'ROUTE_BUDGET_PER_PEER' }, limit: { type: 'integer', description: 'Azure Route Server: 1,000 routes per peer', example: 1000 },
              },
            },
          },
          unreachable: { type: 'string', description: 'Why the cluster\'s reflectors could not be read' },
        },
      },
    },
    firewallPolicies: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          policy: { type: 'string' },
          ruleCollectionGroups: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' }, priority: { type: 'integer' }, owned: { type: 'boolean', description: 'egress-pilot-<slot> (false: a group egress-pilot does not own)' },
                tenants: { type: 'array', items: { type: 'string' } }, rules: { type: 'integer' }, ruleCollections: { type: 'integer' },
                sourceDestinationPairs: { type: 'integer' }, estimatedBytes: { type: 'integer' }, limitBytes: { type: 'integer', description: 'Azure: 2 MB per group' },
              },
            },
          },
          totals: {
            type: 'object',
            properties: {
              ruleCollectionGroups: { type: 'integer' }, ruleCollectionGroupLimit: { type: 'integer', description: 'FIREWALL_MAX_RULE_COLLECTION_GROUPS' },
              sourceDestinationPairs: { type: 'integer' }, sourceDestinationPairLimit: { type: 'integer', description: 'Azure: 20,000 network rule pairs per policy' },
              tenantsOpen: { type: 'integer' }, violations: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
    },
    nextTenant: {
      type: 'object', description: 'Would a new tenant of this size fit? The pool, the route budget and the firewall judged by checkCapacity',
      properties: {
        prefixLength: { type: 'integer' }, replicas: { type: 'integer' }, fits: { type: 'boolean', description: 'Fits on at least one cluster' },
        perCluster: { type: 'array', items: { type: 'object', properties: { cluster: { type: 'string' }, fits: { type: 'boolean' }, reasons: { type: 'array', items: { type: 'string' } } } } },
      },
    },
    gauges: { type: 'array', items: gauge },
  },
};

const problem = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' }, message: { type: 'string' },
        details: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, reason: { type: 'string' } } } },
      },
    },
  },
};

const json = (schema: object) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errors = {
  400: { description: 'Invalid spec, path or query parameter: every bad field named', content: json(ref('Problem')) },
  401: { description: 'Missing or wrong function key' },
};
/** Bodies: application/json only, at most MAX_BODY_BYTES (checked before parsing). */
const bodyErrors = {
  413: { description: `Body over ${MAX_BODY_BYTES} bytes (256 KiB); field (body)`, content: json(ref('Problem')) },
  415: { description: 'Content-Type is not application/json; field Content-Type', content: json(ref('Problem')) },
};
/** A service the app reads for the answer refused the app's identity (functions/http-problems.ts upstreamProblem). */
const upstreamRefused = { 502: { description: "UpstreamAuthorizationFailed: ARM (or another service) answered 403 to the app's identity; the message names the action and scope and the role assignments in infra/ that lack it", content: json(ref('Problem')) } };
const aksNamePattern = AKS_CLUSTER_NAME.source;
const tenantPath = [
  { name: 'cluster', in: 'path', required: true, schema: { type: 'string', pattern: aksNamePattern }, description: 'AKS cluster name' },
  { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: DNS1123_LABEL.source, maxLength: MAX_TENANT_NAME_LENGTH }, description: 'Tenant name (DNS-1123 label)' },
];
const clusterName = { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: aksNamePattern }, description: 'AKS cluster name' };
const accepted = { description: 'Accepted; follow Location / statusUrl', content: json(ref('Accepted')), headers: { Location: { schema: { type: 'string' } } } };

export const openApiDocument = {
  openapi: '3.0.3',
  info: {
    title: 'egress-pilot',
    version: '0.1.0',
    description: `Tenants on Calico egress gateways behind Azure Firewall and Azure Route Server. Every call needs a function key (x-functions-key header or code query); admin operations (POST /drift, POST /clusters/{name}/bootstrap) need the master key. Request bodies: application/json, at most ${MAX_BODY_BYTES} bytes (256 KiB).`,
  },
  servers: [{ url: '/api' }],
  security: [{ functionKey: [] }],
  paths: {
    '/tenants': {
      post: {
        summary: 'Onboard a tenant', operationId: 'createTenant',
        requestBody: { required: true, content: json(ref('TenantSpec')) },
        responses: {
          202: accepted, ...errors, ...bodyErrors, 409: { description: 'Exists with another spec (use PUT), is being deleted, or claims a namespace another tenant steers (NamespaceTaken)', content: json(ref('Problem')) },
          422: { description: 'An application namespace (namespaces[i]) or the cluster does not exist', content: json(ref('Problem')) },
          503: { description: 'The cluster could not be read to check the namespaces (retry after Retry-After)', content: json(ref('Problem')) },
        },
      },
      get: {
        summary: 'List tenants', operationId: 'listTenants',
        parameters: [
          { name: 'cluster', in: 'query', schema: { type: 'string', pattern: aksNamePattern } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 } },
          { name: 'continuationToken', in: 'query', schema: { type: 'string', maxLength: 4096 }, description: 'As returned by the previous page' },
        ],
        responses: { 400: errors[400], 200: { description: 'A page of tenants', content: json({ type: 'object', properties: { items: { type: 'array', items: ref('TenantStatus') }, continuationToken: { type: 'string' } } }) }, 401: errors[401] },
      },
    },
    '/tenants/{cluster}/{name}': {
      parameters: tenantPath,
      get: { summary: 'Tenant status', operationId: 'getTenant', responses: { 400: errors[400], 200: { description: 'Status', content: json(ref('TenantStatus')) }, 404: { description: 'Unknown tenant', content: json(ref('Problem')) }, 401: errors[401] } },
      put: {
        summary: 'Change a tenant (re-converges only the changed parts)', operationId: 'updateTenant',
        requestBody: { required: true, content: json(ref('TenantSpec')) },
        responses: { 202: accepted, 200: { description: 'Nothing changed' }, ...errors, ...bodyErrors, 404: { description: 'Unknown tenant' }, 409: { description: 'Lifecycle running (retry after Retry-After), or a namespace another tenant steers' }, 422: { description: 'Pool size cannot change in place, or an application namespace (namespaces[i]) does not exist' }, 503: { description: 'The cluster could not be read to check the namespaces' } },
      },
      delete: { summary: 'Offboard a tenant', operationId: 'deleteTenant', responses: { 400: errors[400], 202: accepted, 200: { description: 'Already deleted' }, 404: { description: 'Unknown tenant' }, 401: errors[401] } },
    },
    '/tenants/{cluster}/{name}/verify': {
      parameters: tenantPath,
      post: {
        summary: 'Prove the egress of a Ready or Degraded tenant again (probe Job; ends Ready or Degraded; GET shows egress)', operationId: 'verifyTenant',
        responses: { 400: errors[400], 202: accepted, 404: { description: 'Unknown tenant', content: json(ref('Problem')) }, 409: { description: 'Lifecycle running, the tenant is not Ready or Degraded, or EGRESS_VERIFY is off', content: json(ref('Problem')) }, 401: errors[401] },
      },
    },
    '/clusters': {
      get: {
        summary: 'Every AKS cluster in AKS_RESOURCE_GROUP: bootstrap, route reflectors, Route Server connections, tenants, route budget', operationId: 'listClusters',
        responses: { 200: { description: 'The clusters', content: json({ type: 'object', properties: { resourceGroup: { type: 'string' }, clusters: { type: 'array', items: ref('Cluster') } } }) }, 401: errors[401], ...upstreamRefused },
      },
    },
    '/clusters/{name}': {
      parameters: [clusterName],
      get: { summary: 'One AKS cluster', operationId: 'getCluster', responses: { 200: { description: 'The cluster', content: json(ref('Cluster')) }, 400: { description: 'Invalid cluster name', content: json(ref('Problem')) }, 404: { description: 'No such AKS cluster', content: json(ref('Problem')) }, 401: errors[401], ...upstreamRefused } },
    },
    '/clusters/{name}/bootstrap': {
      parameters: [clusterName],
      post: {
        summary: 'Bootstrap or re-sync an existing cluster (route reflectors, Calico BGP, Route Server peering); admin (master) key only', operationId: 'bootstrapCluster',
        security: [{ masterKey: [] }],
        responses: {
          202: { description: 'Started (instance cluster:<name>); follow Location', headers: { Location: { schema: { type: 'string' } } }, content: json({ type: 'object', properties: { cluster: { type: 'string' }, instanceId: { type: 'string' }, statusUrl: { type: 'string' } } }) },
          400: { description: 'Invalid cluster name', content: json(ref('Problem')) },
          401: { description: 'Missing or wrong admin (master) key' },
          404: { description: 'No such AKS cluster in AKS_RESOURCE_GROUP', content: json(ref('Problem')) },
          409: { description: 'A bootstrap of the cluster is running (retry after Retry-After)', content: json(ref('Problem')) },
          ...upstreamRefused,
        },
      },
    },
    '/capacity': {
      get: {
        summary: 'Capacity: per cluster the egress pool and the routes per Route Server peer, per firewall policy its rule collection groups against Azure limits, and whether the next tenant of a size fits', operationId: 'getCapacity',
        parameters: [
          { name: 'prefixLength', in: 'query', schema: { type: 'integer', minimum: SPEC_LIMITS.minPrefixLength, maximum: SPEC_LIMITS.maxPrefixLength }, description: 'Size of the next tenant\'s pool (default DEFAULT_POOL_PREFIX_LENGTH); also the block size the pool is counted in' },
          { name: 'replicas', in: 'query', schema: { type: 'integer', minimum: 1, maximum: SPEC_LIMITS.maxReplicas, default: 2 }, description: 'Gateway replicas of the next tenant' },
        ],
        responses: { 200: { description: 'The capacity view', content: json(ref('Capacity')) }, 400: { description: 'Bad query parameter (named)', content: json(ref('Problem')) }, 401: errors[401], ...upstreamRefused },
      },
    },
    '/drift': {
      get: {
        summary: 'The last drift report', operationId: 'getDriftReport',
        responses: { 200: { description: 'The last report', content: json({ type: 'object' }) }, 404: { description: 'No check has finished yet', content: json(ref('Problem')) }, 401: errors[401] },
      },
      post: {
        summary: 'Run a drift check now (repairs when DRIFT_REPAIR is on); admin (master) key only', operationId: 'runDriftCheck',
        security: [{ masterKey: [] }],
        responses: { 202: { description: 'Started; GET /drift shows the report' }, 401: { description: 'Missing or wrong admin (master) key' }, 409: { description: 'A check is running (retry after Retry-After)', content: json(ref('Problem')) } },
      },
    },
  },
  components: {
    securitySchemes: { functionKey: { type: 'apiKey', in: 'header', name: 'x-functions-key' }, masterKey: { type: 'apiKey', in: 'header', name: 'x-functions-key', description: 'The host master key (admin)' } },
    schemas: {
      TenantSpec: tenantSpec,
      TenantStatus: tenantStatus,
      Cluster: clusterView,
      Accepted: { type: 'object', properties: { id: { type: 'string' }, phase: { type: 'string', enum: [...phases] }, statusUrl: { type: 'string' } } },
      Problem: problem,
      Capacity: capacityView,
    },
  },
} as const;
