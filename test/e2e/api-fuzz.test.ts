import fc from 'fast-check';
import { tenantSpec, useSandbox } from './support';

/**
 * Bad input by the hundred, over HTTP against one sandbox. The cases are generated from the API's own
 * OpenAPI document (GET /api/openapi.json): every field of the TenantSpec schema gets a wrong type, is
 * dropped when required, grows an unknown sibling, an oversize value, hostile text; plus CIDRs and
 * duplicate names the schema cannot express, bodies over the documented limit, wrong content types and
 * bad path and query parameters. Every answer must be a 4xx whose details name the field (never a 5xx),
 * and afterwards nothing is stored and no orchestration has started.
 */

interface SchemaNode { type?: string; properties?: Record<string, SchemaNode>; required?: string[]; items?: SchemaNode; $ref?: string; enum?: unknown[]; pattern?: string; maxLength?: number }
interface Parameter { name: string; in: string; schema?: SchemaNode }
interface OpenApi {
  info: { description: string };
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: unknown } | Parameter[]>>;
  components: { schemas: { TenantSpec: SchemaNode } };
}

/** One HTTP request and the field its answer must name (`field` is a path prefix: `allow.networks[0]`). */
interface FuzzCase { what: string; method: string; route: string; body?: string; contentType?: string; key?: 'function' | 'master'; status?: number; field: string }

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

const fieldOf = (path: Path): string => path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${key}` : key), '');

function setAt(root: Json, path: Path, value: Json | undefined): Json {
  const copy = structuredClone(root);
  let node = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true }); // `__proto__` too, as JSON.parse makes it
  return copy;
}

/** Every (path, schema, required) the base spec reaches, walking the OpenAPI schema. */
function fieldsOf(schema: SchemaNode, value: Json, path: Path = [], required = true): Array<{ path: Path; schema: SchemaNode; required: boolean }> {
  const here = path.length > 0 ? [{ path, schema, required }] : [];
  if (schema.type === 'object' && schema.properties && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return [...here, ...Object.entries(schema.properties).flatMap(([key, child]) => (key in value ? fieldsOf(child, value[key]!, [...path, key], schema.required?.includes(key) ?? false) : []))];
  }
  if (schema.type === 'array' && schema.items && Array.isArray(value)) return [...here, ...value.flatMap((item, i) => fieldsOf(schema.items!, item, [...path, i], true))];
  return here;
}

/** Text that no field of the spec accepts: traversal, injection, unicode, control characters. */
const hostile = [
  '../../etc/passwd', '..%2F..%2Fetc', "'; DROP TABLE tenants;--", '<script>alert(1)</script>', '${jndi:ldap://x/a}', '$(rm -rf /)',
  'a\u0000b', 'tab\there', 'ünïcode', '名前', '\u202etxt', 'emoji😀', 'a b', '', ' ', '-a', 'a-', '\r\nX-Injected: 1', '%00', '\uFEFFzero', 'a'.repeat(300),
];
const wrongTypes: Record<string, Json[]> = {
  string: [42, true, null, [], {}],
  integer: ['2', 1.5, -1, 1e9, null, true, [], {}],
  boolean: ['true', 1, null, [], {}],
  array: ['x', 7, null, {}, true],
  object: ['x', 7, null, [], true],
};
const badCidrs = ['0.0.0.0/0', '10.99.0.0/33', '10.0.0.1/24', '300.1.1.1/32', '1.1.1.1/-1', '::/0', '10.0.0.0/', '/8', '*'];
const oversizeStrings = [300, 5000, 200_000].map((n) => 'x'.repeat(n));
/** Item lists inside a rule need at least one entry (the schema's prose; zod's `.min(1)`). */
const nonEmptyList = (path: Path): boolean => path.length === 4 && path[0] === 'allow';

function specCases(schema: SchemaNode, base: Json): fc.Arbitrary<{ what: string; body: Json; field: string }> {
  const fields = fieldsOf(schema, base);
  const at = (path: Path, value: Json | undefined, what: string) => ({ what: `${what} at ${fieldOf(path)}`, body: setAt(base, path, value), field: fieldOf(path) });
  const perField = fields.map(({ path, schema: node, required }) => {
    const kinds: Array<fc.Arbitrary<{ what: string; body: Json; field: string }>> = [
      fc.constantFrom(...(wrongTypes[node.type ?? 'string'] ?? wrongTypes.string!)).map((v) => at(path, v, `wrong type ${JSON.stringify(v)}`)),
    ];
    if (required && typeof path[path.length - 1] === 'string') kinds.push(fc.constant(at(path, undefined, 'missing required field')));
    if (node.type === 'string') {
      kinds.push(fc.constantFrom(...hostile).map((v) => at(path, v, `hostile text ${JSON.stringify(v.slice(0, 30))}`)));
      kinds.push(fc.constantFrom(...oversizeStrings).map((v) => at(path, v, `string of ${v.length}`)));
    }
    if (node.type === 'object') {
      kinds.push(fc.constantFrom('extra', '__proto__', 'constructor', 'Name', 'x-debug').map((k) => ({ what: `unknown field ${k} in ${fieldOf(path)}`, body: setAt(base, [...path, k], 1), field: fieldOf([...path, k]) })));
    }
    if (node.type === 'array') {
      kinds.push(fc.integer({ min: 101, max: 400 }).map((n) => at(path, Array.from({ length: n }, (_, i) => (node.items?.type === 'object' ? { name: `r${i}` } : `item${i}`)), `array of ${n}`)));
      if (nonEmptyList(path)) kinds.push(fc.constant(at(path, [], 'empty list')));
    }
    if (node.type === 'integer') kinds.push(fc.oneof(fc.integer({ min: -1000, max: 0 }), fc.integer({ min: 31, max: 1_000_000 })).map((v) => at(path, v, `out of range ${v}`)));
    if (node.enum) kinds.push(fc.constantFrom('SCTP', 'GRE', 'Tcp;', 'ANY*').map((v) => at(path, v, `not in enum ${v}`)));
    if (node.pattern) kinds.push(fc.constantFrom('Ftp:21', 'Http:', 'Https:99999', 'Https:0', 'http:80:1').map((v) => at(path, v, `pattern violation ${v}`)));
    return fc.oneof(...kinds);
  });
  // What the schema cannot say: CIDRs that are too broad or not CIDRs, duplicate rule names and namespaces, system namespaces, overlong names together.
  const semantic = fc.oneof(
    fc.constantFrom('extra', '__proto__', 'constructor', 'status', 'spec').map((k) => ({ what: `unknown top-level field ${k}`, body: setAt(base, [k], 1), field: k })),
    fc.constantFrom(...badCidrs).map((c) => at(['allow', 'networks', 0, 'destinations', 0], c, `destination ${c}`)),
    fc.constantFrom('applications', 'networks').map((kind) => {
      const rules = (base as { allow: Record<string, Json[]> }).allow[kind]!;
      return { what: `duplicate ${kind} rule name`, body: setAt(base, ['allow', kind], [rules[0]!, rules[0]!]), field: `allow.${kind}[1].name` };
    }),
    fc.constantFrom('kube-system', 'calico-system', 'tigera-operator').map((ns) => at(['namespaces', 0], ns, `system namespace ${ns}`)),
    fc.constant({ what: 'duplicate namespace', body: setAt(base, ['namespaces'], ['default', 'default']), field: 'namespaces[1]' }),
    fc.constantFrom('0', '70000', '10-5', '-1', '53,80').map((p) => at(['allow', 'networks', 0, 'ports', 0], p, `port ${p}`)),
    fc.constant({ what: 'replicas the pool cannot hold', body: setAt(base, ['gateway'], { replicas: 16, prefixLength: 29 }), field: 'gateway.prefixLength' }),
    fc.constant({ what: 'cluster + name over the collection name limit', body: setAt(setAt(base, ['cluster'], `c${'x'.repeat(61)}c`), ['name'], `n${'y'.repeat(57)}n`), field: 'name' }),
  );
  return fc.oneof(...perField, semantic);
}

describe('API fuzz: bad input by the hundred (generated from GET /api/openapi.json)', () => {
  const t = useSandbox();
  const RUNS = Number(process.env.API_FUZZ_RUNS ?? 1000);
  const SEED = Number(process.env.API_FUZZ_SEED ?? 20261128);

  it(`answers ${RUNS} bad requests with a 4xx naming the field; never a 5xx; nothing stored, nothing started`, async () => {
    const doc = (await t.api<OpenApi>('GET', '/openapi.json')).body;
    const limit = Number(/at most (\d+) bytes/.exec(doc.info.description)?.[1]);
    expect(limit).toBe(256 * 1024);
    const schema = doc.components.schemas.TenantSpec;
    const base = tenantSpec('fuzz1') as unknown as Json;
    const json = JSON.stringify;
    const spec = specCases(schema, base);
    const tenantRoute = '/tenants/spoke1-aks/fuzz1';

    // Path parameters, from the patterns the OpenAPI document gives them; one segment each (encoded).
    const tenantPath = doc.paths['/tenants/{cluster}/{name}']!.parameters as Parameter[];
    expect(tenantPath.map((p) => p.name)).toEqual(['cluster', 'name']);
    const badSegment = fc.oneof(fc.constantFrom(...hostile.filter((h) => h.trim() !== '')), fc.constantFrom('UPPER', 'under_score', 'a'.repeat(64), 'x.y', '..a', 'a%2Fb'), fc.string({ minLength: 1, maxLength: 20 }).filter((s) => /[^a-z0-9-]/.test(s) && s !== '.' && s !== '..'));
    const badCluster = fc.oneof(fc.constantFrom(...hostile.filter((h) => h.trim() !== '' && h !== 'a'.repeat(300))), fc.constantFrom('a'.repeat(64), '-x', 'x-', 'x.y', 'a%2Fb'), fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/.test(s) && s !== '.' && s !== '..'));
    const seg = encodeURIComponent;

    const cases: fc.Arbitrary<FuzzCase> = fc.oneof(
      { weight: 6, arbitrary: spec.map((c): FuzzCase => ({ what: `POST ${c.what}`, method: 'POST', route: '/tenants', body: json(c.body), field: c.field })) },
      { weight: 3, arbitrary: spec.map((c): FuzzCase => ({ what: `PUT ${c.what}`, method: 'PUT', route: tenantRoute, body: json(c.body), field: c.field })) },
      { weight: 1, arbitrary: fc.constantFrom('[]', '"spec"', '42', 'null', 'true', '{', '{"name":', '', 'nul', '\u0000', '{"name":"a"}}').map((body): FuzzCase => ({ what: `POST body ${json(body)}`, method: 'POST', route: '/tenants', body, field: '(' })) },
      { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'text/json', 'application/jsonx', '').map((contentType): FuzzCase => ({ what: `POST Content-Type ${json(contentType)}`, method: 'POST', route: '/tenants', body: json(base), contentType, status: 415, field: 'Content-Type' })) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('POST', 'PUT'), fc.integer({ min: limit + 1, max: limit * 3 })).map(([method, size]): FuzzCase => ({ what: `${method} body of ~${size} bytes`, method, route: method === 'PUT' ? tenantRoute : '/tenants', body: json({ ...(base as object), name: 'x'.repeat(size) }), status: 413, field: '(body)' })) },
      { weight: 2, arbitrary: fc.tuple(fc.constantFrom('GET', 'PUT', 'DELETE'), badSegment).map(([method, name]): FuzzCase => ({ what: `${method} tenant name ${json(name)}`, method, route: `/tenants/spoke1-aks/${seg(name)}`, ...(method === 'PUT' ? { body: json(base) } : {}), field: 'name' })) },
      { weight: 2, arbitrary: fc.tuple(fc.constantFrom('GET', 'PUT', 'DELETE'), badCluster).map(([method, cluster]): FuzzCase => ({ what: `${method} tenant cluster ${json(cluster)}`, method, route: `/tenants/${seg(cluster)}/fuzz1`, ...(method === 'PUT' ? { body: json(base) } : {}), field: 'cluster' })) },
      { weight: 1, arbitrary: badCluster.map((name): FuzzCase => ({ what: `GET cluster ${json(name)}`, method: 'GET', route: `/clusters/${seg(name)}`, field: 'name' })) },
      { weight: 1, arbitrary: badCluster.map((name): FuzzCase => ({ what: `POST bootstrap of cluster ${json(name)}`, method: 'POST', route: `/clusters/${seg(name)}/bootstrap`, key: 'master', field: 'name' })) },
      {
        weight: 2,
        arbitrary: fc.oneof(
          fc.constantFrom('0', '101', '-1', 'abc', '1.5', '1e2', '', ' 5', '0x10', '99999999999999999999').map((v) => ({ param: 'limit', value: v })),
          badCluster.map((v) => ({ param: 'cluster', value: v })),
          fc.constantFrom('garbage', 'eyJub3QiOiJhIHRva2VuIn0', 'x'.repeat(5000), '%%%').map((v) => ({ param: 'continuationToken', value: v })),
          fc.constantFrom('foo', 'LIMIT', 'cluster[]', '__proto__').map((k) => ({ param: k, value: '1' })),
        ).map(({ param, value }): FuzzCase => ({ what: `GET /tenants?${param}=${json(value.slice(0, 30))}`, method: 'GET', route: `/tenants?${encodeURIComponent(param)}=${encodeURIComponent(value)}`, field: param })),
      },
    );

    const figures = { cases: 0, refused: 0, fiveHundreds: 0, unnamed: 0, byStatus: {} as Record<string, number> };
    const failures: string[] = [];
    const started = Date.now();
    await fc.assert(fc.asyncProperty(cases, async (c) => {
      figures.cases += 1;
      const headers: Record<string, string> = { 'x-functions-key': c.key === 'master' ? t.sandbox.info.masterKey : t.sandbox.info.functionKey };
      if (c.body !== undefined) headers['content-type'] = c.contentType ?? 'application/json';
      const response = await fetch(`${t.sandbox.info.apiBaseUrl}${c.route}`, { method: c.method, headers, body: c.body });
      const text = await response.text();
      figures.byStatus[response.status] = (figures.byStatus[response.status] ?? 0) + 1;
      let details: Array<{ field?: string }> = [];
      try { details = (JSON.parse(text) as { error?: { details?: Array<{ field?: string }> } }).error?.details ?? []; } catch { /* no JSON body: counted as unnamed below */ }
      const named = details.some((d) => d.field !== undefined && (d.field === c.field || d.field.startsWith(`${c.field}.`) || d.field.startsWith(`${c.field}[`) || (c.field === '(' && d.field.startsWith('('))));
      const fourXX = response.status >= 400 && response.status < 500 && (c.status === undefined || response.status === c.status);
      if (response.status >= 500) figures.fiveHundreds += 1;
      if (fourXX) figures.refused += 1;
      if (fourXX && !named) figures.unnamed += 1;
      // Every case runs (no early stop): the report lists all that failed, with the seed to replay them.
      if (!fourXX || !named) failures.push(`${c.what}: ${response.status} ${text.slice(0, 300)}`);
    }), { numRuns: RUNS, seed: SEED });

    console.log(`api fuzz (seed ${SEED}): ${figures.cases} inputs tried, ${figures.refused} refused with a 4xx naming the field, ${figures.fiveHundreds} 5xx, ${figures.unnamed} unnamed; by status ${json(figures.byStatus)}; ${Date.now() - started} ms`);
    expect(failures).toEqual([]);
    expect(figures.cases).toBeGreaterThanOrEqual(500);
    expect(figures.fiveHundreds).toBe(0);

    // Nothing stored: the registry lists no tenant. Nothing started: the task hub holds only the sandbox's cluster bootstraps (and the timer's drift check).
    const listed = await t.api<{ items: unknown[] }>('GET', '/tenants');
    expect(listed).toMatchObject({ status: 200, body: { items: [] } });
    const instances = await fetch(`${t.sandbox.host.baseUrl}/runtime/webhooks/durabletask/instances/?code=${t.sandbox.info.masterKey}`);
    const ids = ((await instances.json()) as Array<{ instanceId: string }>).map((i) => i.instanceId);
    expect(ids.filter((id) => !id.startsWith('cluster:') && id !== 'drift-check')).toEqual([]);
    expect(ids.filter((id) => id.startsWith('cluster:')).sort()).toEqual(t.sandbox.info.clusters.map((c) => `cluster:${c.name}`).sort());
  }, 180_000);
});
