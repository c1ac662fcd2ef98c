import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { consoleAccess, PRINCIPAL_HEADERS, type ConsoleAccess, type SignedInUser } from '../lib/domain/console-access';
import { readCapacity } from './capacity';
import { listClusters } from './clusters';
import { answeringUpstreamFailures, problem } from './http-problems';
import { tenantKey } from './request-guards';
import { getTenant, listTenants } from './tenants';

/**
 * The console's read routes for a person App Service authentication signed in with Entra ID, so that in Azure no
 * function key sits in a browser: GET /api/console-api/{whoami, tenants, tenants/{cluster}/{name}, clusters, capacity}.
 * Each answers exactly what its keyed twin (/api/tenants, …) answers, through the same read function.
 *
 * authLevel 'anonymous' because the Functions host checks keys behind App Service authentication too
 * (azure-functions-host#11394); who may read is decided by consoleAccess (lib/domain/console-access.ts): only
 * when the host says the authentication module is on (WEBSITE_AUTH_ENABLED) are its x-ms-client-principal*
 * headers trusted, since only then are forged ones stripped. Otherwise every request gets 403 SignInNotEnabled.
 *
 * Routes live under console-api/, not console/api/: the Functions host orders overlapping routes by function name,
 * not by ASP.NET's literal-first precedence (azure-functions-host#9876), so console/{*asset} could take them.
 */
function accessOf(request: HttpRequest, env: NodeJS.ProcessEnv): ConsoleAccess {
  const header = (name: string): string | undefined => request.headers.get(name) ?? undefined;
  return consoleAccess({
    websiteAuthEnabled: env.WEBSITE_AUTH_ENABLED,
    headers: { id: header(PRINCIPAL_HEADERS.id), name: header(PRINCIPAL_HEADERS.name), idp: header(PRINCIPAL_HEADERS.idp), principal: header(PRINCIPAL_HEADERS.principal) },
  });
}

/** A signed-in person's answers are theirs: never kept by a shared cache. */
const PRIVATE = { 'Cache-Control': 'private, no-store' };

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
type Read = (request: HttpRequest, context: InvocationContext, user: SignedInUser) => Promise<HttpResponseInit>;

/** `read` for a signed-in person, else the refusal naming what to do (401 sign in, 403 sign-in is off here). */
export function forSignedIn(read: Read, env: NodeJS.ProcessEnv = process.env): Handler {
  return answeringUpstreamFailures(async (request, context) => {
    const access = accessOf(request, env);
    if (access.kind === 'refused') return problem(access.status, access.code, access.message, access.details, PRIVATE);
    const answer = await read(request, context, access.user);
    return { ...answer, headers: { ...(answer.headers as Record<string, string> | undefined), ...PRIVATE } };
  });
}

/** Who the console is signed in as: the page asks this first and, on 200, reads without a key. */
export function whoAmI(env: NodeJS.ProcessEnv = process.env): Handler {
  return forSignedIn(async (_request, _context, user) => ({ status: 200, jsonBody: { signedIn: true, user, signOutUrl: '/.auth/logout' } }), env);
}

const durable = [df.input.durableClient()];

app.http('consoleApiWhoAmI', { route: 'console-api/whoami', methods: ['GET'], authLevel: 'anonymous', handler: whoAmI() });

app.http('consoleApiTenants', { route: 'console-api/tenants', methods: ['GET'], authLevel: 'anonymous', handler: forSignedIn((request) => listTenants(request)) });

app.http('consoleApiTenant', {
  route: 'console-api/tenants/{cluster}/{name}', methods: ['GET'], authLevel: 'anonymous', extraInputs: durable,
  handler: forSignedIn(async (request, context) => {
    const key = tenantKey(request);
    return key.ok ? getTenant(df.getClient(context), key.value) : key.response;
  }),
});

app.http('consoleApiClusters', { route: 'console-api/clusters', methods: ['GET'], authLevel: 'anonymous', extraInputs: durable, handler: forSignedIn((_request, context) => listClusters(df.getClient(context))) });

app.http('consoleApiCapacity', { route: 'console-api/capacity', methods: ['GET'], authLevel: 'anonymous', handler: forSignedIn((request) => readCapacity(request)) });
