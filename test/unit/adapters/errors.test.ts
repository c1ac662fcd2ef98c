import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiException, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { createHttpHeaders, RestError, type HttpClient } from '@azure/core-rest-pipeline';
import { ContainerServiceClient } from '@azure/arm-containerservice';
import { armPageErrors, authorizationRefusal, describeFailure, isNotFound, PermanentError } from '../../../lib/adapters/errors';
import { withRetries } from '../../../lib/adapters/retry';
import { settledFailure } from '../../../orchestrations/activity-outcome';

/**
 * Kubernetes failures as @kubernetes/client-node 2.x throws them: `new ApiException(status, 'Unsuccessful
 * HTTP Request', await response.getBodyAsAny(), response.headers)` (its object.js), i.e. the body as text and
 * the response headers, all four printed into the error's message. The Status bodies are the API server's.
 */
const USER = '5a4db0c5-0000-4000-8000-000000000a99';
const secretHeaders = { 'content-type': 'application/json', 'audit-id': 'c0ffee00-1111-2222-3333-444455556666', 'www-authenticate': 'Bearer realm="secret-realm-token"', 'set-cookie': 'session=s3cr3t-cookie' };
const status = (code: number, reason: string, message: string, details: Record<string, unknown> = {}): string =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code });
const thrown = (code: number, body: string | undefined, words = 'Unsuccessful HTTP Request'): ApiException<string | undefined> =>
  new ApiException(code, words, body, secretHeaders);

const forbidden = `jobs.batch is forbidden: User "${USER}" cannot create resource "jobs" in API group "batch" in the namespace "soak0x0-apps"`;
const cases = [
  { code: 403, reason: 'Forbidden', message: forbidden, details: { group: 'batch', kind: 'jobs' } },
  { code: 404, reason: 'NotFound', message: 'jobs.batch "egress-probe-f382ce" not found', details: { name: 'egress-probe-f382ce', group: 'batch', kind: 'jobs' } },
  { code: 409, reason: 'AlreadyExists', message: 'jobs.batch "egress-probe-f382ce" already exists', details: { name: 'egress-probe-f382ce', group: 'batch', kind: 'jobs' } },
  {
    code: 422, reason: 'Invalid', message: 'Job.batch "egress-probe-f382ce" is invalid: spec.template.spec.containers[0].image: Required value',
    details: { name: 'egress-probe-f382ce', group: 'batch', kind: 'Job', causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.template.spec.containers[0].image' }] },
  },
];

const expectNoHeaders = (text: string): void => {
  for (const leak of ['secret-realm-token', 's3cr3t-cookie', 'c0ffee00', 'Headers:', 'HTTP-Code:', '\\"']) expect(text).not.toContain(leak);
};

describe('describeFailure on client-node ApiExceptions', () => {
  it('the raw exception carries the dump this fixes (headers included)', () => {
    expect(thrown(403, status(403, 'Forbidden', forbidden)).message).toContain('secret-realm-token');
  });

  it.each(cases)('$code $reason: the Status message, its reason as code, no headers', ({ code, reason, message, details }) => {
    const failure = describeFailure(thrown(code, status(code, reason, message, details)));
    expect(failure).toMatchObject({ status: code, code: reason, message });
    expectNoHeaders(failure.message);
  });

  it('reads a Status that arrives already parsed (an object body)', () => {
    expect(describeFailure(new ApiException(404, 'Unknown API Status Code!', JSON.parse(status(404, 'NotFound', 'namespaces "x" not found')) as unknown, secretHeaders)))
      .toMatchObject({ status: 404, code: 'NotFound', message: 'namespaces "x" not found' });
  });

  it('a body that is not JSON: client-node\'s words and the text, still no headers', () => {
    const failure = describeFailure(thrown(404, '404 page not found\n'));
    expect(failure).toMatchObject({ status: 404, message: 'Unsuccessful HTTP Request: 404 page not found' });
    expect(failure.code).toBeUndefined();
    expectNoHeaders(failure.message);
    const html = describeFailure(thrown(502, `<html><body>${'bad gateway '.repeat(400)}</body></html>`));
    expect(html.message.length).toBeLessThan(2100);
    expect(html.message).toMatch(/^Unsuccessful HTTP Request: <html><body>bad gateway/);
    expect(html.kind).toBe('transient');
    expectNoHeaders(html.message);
  });

  it('no body at all (client-node\'s 401): its own words only', () => {
    const failure = describeFailure(thrown(401, undefined, 'Unauthorized'));
    expect(failure).toMatchObject({ status: 401, message: 'Unauthorized', reason: 'rejected (401)' });
    expectNoHeaders(failure.message);
  });

  it('JSON that is not a Status (no message): the text, clipped, and no code', () => {
    const failure = describeFailure(thrown(500, '{"oops":true}'));
    expect(failure).toMatchObject({ status: 500, message: 'Unsuccessful HTTP Request: {"oops":true}' });
  });

  it('what a tenant\'s status shows: the step\'s label, the verdict and the API server\'s own sentence', async () => {
    const error = await withRetries('create Job soak0x0-apps/egress-probe-f382ce on spoke1-aks', () => Promise.reject(thrown(403, status(403, 'Forbidden', forbidden))), { attempts: 1, baseMs: 1, maxMs: 1 })
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).message).toBe(`create Job soak0x0-apps/egress-probe-f382ce on spoke1-aks: rejected (403 Forbidden): ${forbidden}`);
    expect((error as PermanentError)).toMatchObject({ status: 403, code: 'Forbidden' });
    // An activity that lets the raw exception escape settles with the same words.
    expect(settledFailure(thrown(403, status(403, 'Forbidden', forbidden)))).toBe(`rejected (403 Forbidden): ${forbidden}`);
    expect(isNotFound(thrown(404, status(404, 'NotFound', 'x not found')))).toBe(true);
  });
});

describe('an ApiException thrown by client-node itself from a real response', () => {
  let server: Server;
  let objects: KubernetesObjectApi;
  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      response.writeHead(403, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="secret-realm-token"', 'audit-id': 'c0ffee00-1111-2222-3333-444455556666' });
      response.end(status(403, 'Forbidden', forbidden, { group: 'batch', kind: 'jobs' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'local', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'app', token: 'token-that-must-not-leak' }],
      contexts: [{ name: 'local', cluster: 'local', user: 'app' }],
      currentContext: 'local',
    });
    objects = KubernetesObjectApi.makeApiClient(kc);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('becomes the Status message, with no headers and no token', async () => {
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'egress-probe-f382ce', namespace: 'soak0x0-apps' } };
    const error = await withRetries('create Job soak0x0-apps/egress-probe-f382ce on spoke1-aks', () => objects.create(job), { attempts: 1, baseMs: 1, maxMs: 1 }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    const text = (error as Error).message;
    expect(text).toBe(`create Job soak0x0-apps/egress-probe-f382ce on spoke1-aks: rejected (403 Forbidden): ${forbidden}`);
    expectNoHeaders(text);
    expect(text).not.toContain('token-that-must-not-leak');
  });
});

describe('authorizationRefusal', () => {
  const armMessage = "The client 'a1' with object id 'a1' does not have authorization to perform action 'Microsoft.ContainerService/managedClusters/read' over scope '/subscriptions/s1/resourceGroups/demo-aks' or the scope is invalid. If access was recently granted, please refresh your credentials.";
  const armRefused = () => new RestError(armMessage, { statusCode: 403, code: 'AuthorizationFailed' });

  it('names the ARM action and scope, raw or after the retry layer', async () => {
    const expected = { service: 'arm', code: 'AuthorizationFailed', action: 'Microsoft.ContainerService/managedClusters/read', scope: '/subscriptions/s1/resourceGroups/demo-aks' };
    expect(authorizationRefusal(armRefused())).toMatchObject(expected);
    const settled = await withRetries('list AKS clusters in demo-aks', () => Promise.reject(armRefused()), { attempts: 1, baseMs: 1, maxMs: 1 }).then(() => undefined, (e: unknown) => e);
    expect(authorizationRefusal(settled)).toMatchObject({ ...expected, message: `list AKS clusters in demo-aks: rejected (403 AuthorizationFailed): ${armMessage}` });
  });

  it('a Kubernetes Forbidden is a refusal without ARM\'s action and scope', () => {
    expect(authorizationRefusal(thrown(403, status(403, 'Forbidden', forbidden)))).toEqual({ service: 'other', code: 'Forbidden', message: forbidden });
  });

  it('anything but a 403 is not', () => {
    expect(authorizationRefusal(new RestError('gone', { statusCode: 404, code: 'ResourceNotFound' }))).toBeUndefined();
    expect(authorizationRefusal(new RestError(armMessage, { statusCode: 401, code: 'InvalidAuthenticationToken' }))).toBeUndefined();
    expect(authorizationRefusal(new PermanentError('x', 409, 'Conflict'))).toBeUndefined();
    expect(authorizationRefusal(new TypeError('bug'))).toBeUndefined();
  });
});

describe('armPageErrors: ARM\'s message through @azure/arm-containerservice\'s paged list', () => {
  const armMessage = "The client 'a1' with object id 'a1' does not have authorization to perform action 'Microsoft.ContainerService/managedClusters/read' over scope '/subscriptions/s1/resourceGroups/demo-aks/providers/Microsoft.ContainerService' or the scope is invalid. If access was recently granted, please refresh your credentials.";
  /** The real SDK client; its transport answers every request as ARM answers a missing right (nothing leaves the process). */
  const refusingTransport: HttpClient = {
    sendRequest: (request) => Promise.resolve({ request, status: 403, headers: createHttpHeaders({ 'content-type': 'application/json; charset=utf-8' }), bodyAsText: JSON.stringify({ error: { code: 'AuthorizationFailed', message: armMessage } }) }),
  };
  const credential = { getToken: () => Promise.resolve({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }) };
  const aks = new ContainerServiceClient(credential, 's1', { endpoint: 'https://127.0.0.1:9', httpClient: refusingTransport, retryOptions: { maxRetries: 0 } });
  const listAll = async (options?: { onResponse: (r: { status: number; parsedBody?: unknown }) => void }): Promise<unknown> => {
    try {
      for await (const _ of aks.managedClusters.listByResourceGroup('demo-aks', options)) { /* none */ }
      return undefined;
    } catch (error) {
      return error;
    }
  };

  it('without it, the SDK throws a 403 whose message has lost ARM\'s sentence', async () => {
    const error = await listAll();
    expect(error).toMatchObject({ statusCode: 403, code: 'AuthorizationFailed', message: 'Pagination failed with unexpected statusCode 403' });
    expect(authorizationRefusal(error)).toEqual({ service: 'arm', code: 'AuthorizationFailed', message: 'Pagination failed with unexpected statusCode 403' });
  });

  it('with it, the same error carries ARM\'s message, so the refusal names action and scope', async () => {
    const page = armPageErrors();
    const error = page.restore(await listAll({ onResponse: page.onResponse }));
    expect(error).toMatchObject({ statusCode: 403, code: 'AuthorizationFailed', message: armMessage });
    expect(authorizationRefusal(error)).toMatchObject({ service: 'arm', action: 'Microsoft.ContainerService/managedClusters/read', scope: '/subscriptions/s1/resourceGroups/demo-aks/providers/Microsoft.ContainerService' });
  });

  it('leaves an error alone when no refused response was seen', () => {
    const page = armPageErrors();
    page.onResponse({ status: 200, parsedBody: { value: [] } });
    const dropped = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(page.restore(dropped)).toBe(dropped);
    expect((page.restore(dropped) as Error).message).toBe('socket hang up');
  });
});
