import { HttpRequest, InvocationContext, type LogLevel } from '@azure/functions';
import { RestError } from '@azure/core-rest-pipeline';
import { ApiException } from '@kubernetes/client-node';
import { withRetries } from '../../../lib/adapters/retry';
import { answeringUpstreamFailures, upstreamProblem } from '../../../functions/http-problems';
import { openApiDocument } from '../../../functions/openapi-document';

const ACTION = 'Microsoft.ContainerService/managedClusters/read';
const SCOPE = '/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/demo-aks';
const armMessage = `The client 'a1' with object id 'a1' does not have authorization to perform action '${ACTION}' over scope '${SCOPE}' or the scope is invalid. If access was recently granted, please refresh your credentials.`;
/** ARM's 403 as the SDK throws it, after the one retry layer made it permanent (as app-services' aksClusters does). */
const armRefused = (): Promise<unknown> =>
  withRetries('list AKS clusters in demo-aks', () => Promise.reject(new RestError(armMessage, { statusCode: 403, code: 'AuthorizationFailed' })), { attempts: 1, baseMs: 1, maxMs: 1 })
    .then(() => undefined, (e: unknown) => e);

type Body = { error: { code: string; message: string; details?: unknown } };

describe('upstreamProblem', () => {
  it('ARM 403 AuthorizationFailed: 502 UpstreamAuthorizationFailed naming the action, the scope and infra/', async () => {
    const answer = upstreamProblem(await armRefused());
    expect(answer?.status).toBe(502);
    const body = answer?.jsonBody as Body;
    expect(body.error.code).toBe('UpstreamAuthorizationFailed');
    expect(body.error.message).toContain(`the action '${ACTION}' over scope '${SCOPE}'`);
    expect(body.error.message).toContain("the app's role assignments in infra/ (modules/app-access) lack it");
    expect(body.error.message).toContain('list AKS clusters in demo-aks: rejected (403 AuthorizationFailed)');
    expect(body.error.details).toBeUndefined();
  });

  it('an ARM 403 whose message lost the action: still ARM\'s refusal and infra/, without inventing an action', () => {
    const body = upstreamProblem(new RestError('Pagination failed with unexpected statusCode 403', { statusCode: 403, code: 'AuthorizationFailed' }))?.jsonBody as Body;
    expect(body.error.code).toBe('UpstreamAuthorizationFailed');
    expect(body.error.message).toMatch(/^Azure Resource Manager refused the app's identity a right \(403 AuthorizationFailed\): the app's role assignments in infra\/ \(modules\/app-access\) lack it/);
    expect(body.error.message).not.toContain("the action '");
  });

  it('another service\'s 403 (the API server\'s Forbidden): 502 with its code and sentence', () => {
    const status = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'nodes is forbidden: User "a1" cannot list resource "nodes"', reason: 'Forbidden', code: 403 });
    const answer = upstreamProblem(new ApiException(403, 'Unsuccessful HTTP Request', status, { 'www-authenticate': 'secret-realm' }));
    expect(answer?.status).toBe(502);
    const body = answer?.jsonBody as Body;
    expect(body.error).toMatchObject({ code: 'UpstreamAuthorizationFailed' });
    expect(body.error.message).toContain('(403 Forbidden)');
    expect(body.error.message).toContain('nodes is forbidden: User "a1" cannot list resource "nodes"');
    expect(body.error.message).not.toContain('secret-realm');
  });

  it('leaves every other failure alone (the host still answers 500 for a bug)', () => {
    expect(upstreamProblem(new RestError('gone', { statusCode: 404, code: 'ResourceNotFound' }))).toBeUndefined();
    expect(upstreamProblem(new RestError('busy', { statusCode: 429 }))).toBeUndefined();
    expect(upstreamProblem(new TypeError('x is undefined'))).toBeUndefined();
  });
});

describe('answeringUpstreamFailures', () => {
  const logged: Array<[LogLevel, unknown[]]> = [];
  const context = new InvocationContext({ functionName: 'clusters', logHandler: (level, ...args) => { logged.push([level, args]); } });
  const request = new HttpRequest({ method: 'GET', url: 'http://127.0.0.1/api/clusters' });

  it('answers a refusal with its problem and logs a warning', async () => {
    const refusal = await armRefused();
    const answer = await answeringUpstreamFailures(() => Promise.reject(refusal))(request, context);
    expect(answer.status).toBe(502);
    expect(logged.some(([level, args]) => level === 'warning' && String(args[0]).startsWith('clusters: list AKS clusters in demo-aks: rejected (403 AuthorizationFailed)'))).toBe(true);
  });

  it('passes answers through and rethrows what it does not recognise', async () => {
    expect(await answeringUpstreamFailures(() => Promise.resolve({ status: 200, jsonBody: { ok: true } }))(request, context)).toEqual({ status: 200, jsonBody: { ok: true } });
    await expect(answeringUpstreamFailures(() => Promise.reject(new TypeError('bug')))(request, context)).rejects.toThrow('bug');
  });
});

describe('the OpenAPI document', () => {
  // The routes wrapped in answeringUpstreamFailures (functions/clusters.ts, functions/capacity.ts).
  it.each([['/clusters', 'get'], ['/clusters/{name}', 'get'], ['/clusters/{name}/bootstrap', 'post'], ['/capacity', 'get']])('%s %s lists the 502 UpstreamAuthorizationFailed problem', (path, method) => {
    const paths = openApiDocument.paths as unknown as Record<string, Record<string, { responses: Record<string, { description: string; content?: unknown }> }>>;
    const answer = paths[path]?.[method]?.responses['502'];
    expect(answer?.description).toContain('UpstreamAuthorizationFailed');
    expect(answer?.content).toEqual({ 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } });
  });
});
