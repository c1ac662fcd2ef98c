import { HttpRequest, InvocationContext } from '@azure/functions';
import { forSignedIn, whoAmI } from '../../../functions/console-api';

/** The console's keyless routes as HTTP: the read runs only for a signed-in caller; refusals are problems naming a field. */
const get = (headers: Record<string, string> = {}) => new HttpRequest({ method: 'GET', url: 'http://127.0.0.1:7071/api/console-api/tenants', headers });
const context = () => new InvocationContext({ functionName: 'consoleApiTenants' });
const principal = Buffer.from(JSON.stringify({ auth_typ: 'aad', claims: [{ typ: 'name', val: 'Ada' }] })).toString('base64');
const signedIn = { 'x-ms-client-principal-id': '00000000-0000-0000-0000-00000000000a', 'x-ms-client-principal': principal };

describe('console API routes (functions/console-api.ts)', () => {
  it('without App Service authentication, a forged principal never reaches the read: 403 naming WEBSITE_AUTH_ENABLED', async () => {
    let reads = 0;
    const route = forSignedIn(async () => { reads++; return { status: 200, jsonBody: { items: [] } }; }, {});
    const res = await route(get(signedIn), context());
    expect([res.status, reads]).toEqual([403, 0]);
    expect(res.jsonBody).toMatchObject({ error: { code: 'SignInNotEnabled', details: [{ field: 'WEBSITE_AUTH_ENABLED' }] } });
    expect(res.headers).toMatchObject({ 'Cache-Control': 'private, no-store' });
  });

  it('with it on, a signed-in caller gets the read\'s own answer (kept out of shared caches); nobody signed in gets 401', async () => {
    const env = { WEBSITE_AUTH_ENABLED: 'True' };
    const route = forSignedIn(async () => ({ status: 200, headers: { ETag: 'x' }, jsonBody: { items: [{ name: 't1' }] } }), env);
    const res = await route(get(signedIn), context());
    expect(res).toEqual({ status: 200, headers: { ETag: 'x', 'Cache-Control': 'private, no-store' }, jsonBody: { items: [{ name: 't1' }] } });
    const anonymous = await route(get(), context());
    expect([anonymous.status, (anonymous.jsonBody as { error: { code: string } }).error.code]).toEqual([401, 'SignInRequired']);
    const malformed = await route(get({ ...signedIn, 'x-ms-client-principal': 'e30=' }), context());
    expect([malformed.status, (malformed.jsonBody as { error: { details: Array<{ field: string }> } }).error.details[0]!.field]).toEqual([401, 'x-ms-client-principal']);
  });

  it('whoami says who is signed in, or refuses as the reads do', async () => {
    expect((await whoAmI({ WEBSITE_AUTH_ENABLED: 'True' })(get(signedIn), context())).jsonBody).toEqual({
      signedIn: true, user: { id: '00000000-0000-0000-0000-00000000000a', name: 'Ada', identityProvider: 'aad' }, signOutUrl: '/.auth/logout',
    });
    expect((await whoAmI({})(get(signedIn), context())).status).toBe(403);
  });
});
