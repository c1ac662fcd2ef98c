import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { tenantSpec, useSandbox, waitForPhase } from './support';

/**
 * The console with Entra ID sign-in on, as in Azure with function_app_entra_auth: the sandbox's host runs with
 * WEBSITE_AUTH_ENABLED=True (what App Service sets when its authentication module is on), and the requests carry
 * the x-ms-client-principal* headers App Service's front end would inject for a signed-in person (here sent by the
 * test, and by Chromium through playwright's extraHTTPHeaders). The keyless console routes then answer what the
 * keyed routes answer, and the page shows a Ready tenant without ever asking for a key. The other side of the trust
 * rule (the module off: a forged principal is refused) is in console.test.ts, against its sandbox.
 */
const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = path.resolve(__dirname, '..', '..', 'test-output', 'console');
const withChromium = existsSync(CHROMIUM) ? it : it.skip;
if (!existsSync(CHROMIUM)) console.warn(`console sign-in e2e: the browser test is skipped: no ${CHROMIUM} (apt-get install chromium; .ci/run does)`);

jest.setTimeout(180_000);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
/** What App Service injects for Ada, signed in with Entra ID (the documented X-MS-CLIENT-PRINCIPAL shape). */
const ADA = {
  'x-ms-client-principal-id': '5b5450db-eb26-4c1a-981c-ba1d25f0483d',
  'x-ms-client-principal-name': 'ada@contoso.example',
  'x-ms-client-principal-idp': 'aad',
  'x-ms-client-principal': b64({
    auth_typ: 'aad', name_typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress', role_typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
    claims: [{ typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress', val: 'ada@contoso.example' }],
  }),
};

describe('web console with Entra ID sign-in (WEBSITE_AUTH_ENABLED=True in the host)', () => {
  const t = useSandbox({ appSettings: { WEBSITE_AUTH_ENABLED: 'True' } });
  const signedIn = async <T>(route: string, headers: Record<string, string> = ADA) => {
    const res = await fetch(`${t.sandbox.info.apiBaseUrl}/console-api/${route}`, { headers });
    return { status: res.status, headers: res.headers, body: (await res.json()) as T };
  };

  beforeAll(async () => {
    expect((await t.api('POST', '/tenants', tenantSpec('signin1'))).status).toBe(202);
    await waitForPhase(t.api, 'spoke1-aks', 'signin1', ['Ready']);
  }, 120_000);

  it('the console routes answer a signed-in person without a key, exactly what the keyed routes answer', async () => {
    expect((await signedIn('whoami')).body).toEqual({ signedIn: true, user: { id: ADA['x-ms-client-principal-id'], name: 'ada@contoso.example', identityProvider: 'aad' }, signOutUrl: '/.auth/logout' });
    for (const route of ['tenants/spoke1-aks/signin1', 'tenants?cluster=spoke1-aks&limit=100']) {
      const [console, keyed] = await Promise.all([signedIn(route), t.api('GET', `/${route}`)]);
      expect([route, console.status, console.headers.get('cache-control')]).toEqual([route, 200, 'private, no-store']);
      expect(console.body).toEqual(keyed.body);
    }
    const [clusters, keyedClusters] = await Promise.all([signedIn<{ resourceGroup: string; clusters: Array<{ name: string; tenants: unknown[] }> }>('clusters'), t.api<{ resourceGroup: string; clusters: Array<{ name: string; tenants: unknown[] }> }>('GET', '/clusters')]);
    expect(clusters.status).toBe(200);
    expect(clusters.body.clusters.map((c) => [c.name, c.tenants])).toEqual(keyedClusters.body.clusters.map((c) => [c.name, c.tenants]));
    expect(clusters.body.resourceGroup).toBe(keyedClusters.body.resourceGroup);
    const [capacity, keyedCapacity] = await Promise.all([signedIn<{ generatedAt: string; gauges: unknown[] }>('capacity?prefixLength=29'), t.api<{ generatedAt: string; gauges: unknown[] }>('GET', '/capacity?prefixLength=29')]);
    expect(capacity.status).toBe(200);
    expect({ ...capacity.body, generatedAt: undefined }).toEqual({ ...keyedCapacity.body, generatedAt: undefined });
    // Bad input is refused as the keyed route refuses it.
    const bad = await signedIn<{ error: { details: Array<{ field: string }> } }>('capacity?prefixLength=7');
    expect([bad.status, bad.body.error.details[0]!.field]).toEqual([400, 'prefixLength']);
  });

  it('nobody signed in gets 401 naming the header; a malformed principal 401 naming what is wrong; a principal opens no keyed route', async () => {
    const anonymous = await signedIn<{ error: { code: string; details: Array<{ field: string }> } }>('tenants', {});
    expect([anonymous.status, anonymous.body.error.code, anonymous.body.error.details[0]!.field]).toEqual([401, 'SignInRequired', 'x-ms-client-principal-id']);
    const malformed = await signedIn<{ error: { code: string; details: Array<{ field: string; reason: string }> } }>('tenants', { ...ADA, 'x-ms-client-principal': b64({ auth_typ: 'aad', claims: [{ typ: 'n', val: 1 }] }) });
    expect([malformed.status, malformed.body.error.code, malformed.body.error.details[0]!.field]).toEqual([401, 'InvalidClientPrincipal', 'x-ms-client-principal']);
    expect(malformed.body.error.details[0]!.reason).toMatch(/^decoded, claims\[0\]\.val .*string/);
    // The keyed API keeps its keys: the headers of a signed-in person are no key.
    expect((await fetch(`${t.sandbox.info.apiBaseUrl}/tenants`, { headers: ADA })).status).toBe(401);
  });

  withChromium('the page reads as the signed-in person and shows the Ready tenant without ever asking for a key', async () => {
    mkdirSync(OUTPUT, { recursive: true });
    const profile = mkdtempSync(path.join(tmpdir(), 'egress-console-signin-'));
    let context: BrowserContext | undefined;
    try {
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM, headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        viewport: { width: 1280, height: 900 },
        // Stands in for App Service's front end, which adds these to every request of a signed-in session.
        extraHTTPHeaders: ADA,
      });
      const page = context.pages()[0] ?? (await context.newPage());
      const pageErrors: string[] = [];
      const reads: string[] = [];
      const keyed: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (!url.pathname.startsWith('/api/console/')) reads.push(url.pathname);
        if (request.headers()['x-functions-key'] !== undefined) keyed.push(url.pathname);
      });
      // Whether the key form is ever shown, from the first paint on.
      await page.addInitScript(() => {
        const w = window as unknown as { keyFormShown: boolean };
        w.keyFormShown = false;
        document.addEventListener('DOMContentLoaded', () => {
          const form = document.getElementById('key-form')!;
          new MutationObserver(() => { if (!form.hidden) w.keyFormShown = true; }).observe(form, { attributes: true });
        });
      });
      await page.goto(`${t.sandbox.info.apiBaseUrl}/console/`);
      try {
        await page.waitForSelector('tr[data-tenant="spoke1-aks/signin1"][data-phase="Ready"]', { timeout: 30_000 });
      } catch (error) {
        throw new Error(`${(error as Error).message.split('\n')[0]}; the page shows: trouble "${await page.innerText('#trouble')}", view "${(await page.innerText('#view')).slice(0, 500)}"`);
      }
      expect(await page.innerText('#who')).toBe('signed in as ada@contoso.example');
      expect([await page.isVisible('#key-form'), await page.isVisible('#forget-key'), await page.innerText('#trouble')]).toEqual([false, false, '']);
      await page.click('a[data-nav="capacity"]');
      await page.waitForSelector('.gauges');
      await page.click('a[data-nav="tenants"]');
      await page.waitForSelector('tr[data-tenant="spoke1-aks/signin1"][data-phase="Ready"]');
      await page.screenshot({ path: path.join(OUTPUT, 'signed-in.png'), fullPage: true });
      // No key anywhere: none stored, none sent, no key form ever shown; every read went to the keyless routes.
      expect(await page.evaluate(() => [sessionStorage.length, (window as unknown as { keyFormShown: boolean }).keyFormShown])).toEqual([0, false]);
      expect(keyed).toEqual([]);
      expect(reads.length).toBeGreaterThan(0);
      expect(reads.filter((p) => !p.startsWith('/api/console-api/'))).toEqual([]);
      expect(new Set(reads)).toEqual(new Set(['/api/console-api/whoami', '/api/console-api/clusters', '/api/console-api/tenants', '/api/console-api/capacity']));
      expect(pageErrors).toEqual([]);
    } finally {
      await context?.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
