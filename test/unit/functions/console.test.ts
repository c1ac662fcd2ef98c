import { HttpRequest } from '@azure/functions';
import { serveConsole } from '../../../functions/console';

/** The console's files as the app serves them (the page's behaviour is test/e2e/console.test.ts). */
const get = (asset: string, headers: Record<string, string> = {}, pathname = `/api/console/${asset}`) =>
  new HttpRequest({ method: 'GET', url: `http://127.0.0.1:7071${pathname}`, headers, params: asset ? { asset } : {} });

const detailsOf = (body: unknown) => (body as { error: { details: Array<{ field: string }> } }).error.details;

describe('console files', () => {
  it('serves the page, its script and stylesheet, with a policy that allows only the app\'s own files', async () => {
    const page = await serveConsole(get(''), {});
    expect(page.status).toBe(200);
    expect(page.headers).toMatchObject({ 'Content-Type': 'text/html; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    expect((page.headers as Record<string, string>)['Content-Security-Policy']).toContain("default-src 'none'; script-src 'self'");
    expect(String(page.body)).toContain('<script type="module" src="app.js">');
    expect((await serveConsole(get('app.js'), {})).headers).toMatchObject({ 'Content-Type': 'text/javascript; charset=utf-8' });
    expect((await serveConsole(get('console.css'), {})).status).toBe(200);
  });

  it('sends a bare /api/console to /api/console/, where the page\'s relative links work', async () => {
    expect(await serveConsole(get('', {}, '/api/console'), {})).toMatchObject({ status: 302, headers: { Location: 'console/' } });
  });

  it('answers 404 naming `asset` for anything but its own files: no climbing out, no other extension', async () => {
    for (const asset of ['../package.json', 'lib/../../host.json', 'lib/console/../../../package.json', 'index.ts', 'missing.js', 'lib/console/missing.mjs', 'Console.css']) {
      const res = await serveConsole(get(asset), {});
      expect([asset, res.status, detailsOf(res.jsonBody)[0]!.field]).toEqual([asset, 404, 'asset']);
    }
  });

  it('with App Service sign-in on, the page sends anyone not signed in to Entra ID, and files answer 401', async () => {
    const signIn = { WEBSITE_AUTH_ENABLED: 'True' };
    expect(await serveConsole(get(''), signIn)).toMatchObject({ status: 302, headers: { Location: '/.auth/login/aad?post_login_redirect_uri=%2Fapi%2Fconsole%2F' } });
    const file = await serveConsole(get('app.js'), signIn);
    expect([file.status, detailsOf(file.jsonBody)[0]!.field]).toEqual([401, 'x-ms-client-principal-id']);
    expect((await serveConsole(get('', { 'x-ms-client-principal-id': '00000000-0000-0000-0000-000000000001' }), signIn)).status).toBe(200);
  });
});
