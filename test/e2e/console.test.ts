import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { tenantSpec, useSandbox, waitForPhase } from './support';

/**
 * The web console in headless Chromium (Debian's chromium, driven by playwright-core; .ci/run installs it):
 * a bad key gets an error that says what to do, the right key shows the tenants; a tenant onboarded through
 * the API is watched moving to Ready on the page; its page shows its steps and the SVG its /31s.
 * Screenshots go to test-output/console/. Without /usr/bin/chromium the whole block is reported skipped.
 */
const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = path.resolve(__dirname, '..', '..', 'test-output', 'console');
const withChromium = existsSync(CHROMIUM) ? describe : describe.skip;
if (!existsSync(CHROMIUM)) console.warn(`console e2e skipped: no ${CHROMIUM} (apt-get install chromium; .ci/run does)`);

jest.setTimeout(180_000);

withChromium('web console (headless Chromium against the sandbox)', () => {
  const t = useSandbox({ armTimings: { firewallUpdateMs: 1_500, routePropagationMs: 1_500 } });
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const pageErrors: string[] = [];
  const consoleUrl = () => `${t.sandbox.info.apiBaseUrl}/console/`;
  /** Waits for `selector`; on a timeout, fails with what the page shows instead (its error panel and status line). */
  const shows = async (selector: string, timeout = 30_000) => {
    try {
      await page.waitForSelector(selector, { timeout });
    } catch (error) {
      const [trouble, status, view] = await Promise.all([page.innerText('#trouble'), page.innerText('#status'), page.innerText('#view')]);
      throw new Error(`${(error as Error).message.split('\n')[0]}; at ${new Date().toISOString()} the page shows: trouble "${trouble}", status "${status}", view "${view.slice(0, 800)}"`);
    }
  };

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    profile = mkdtempSync(path.join(tmpdir(), 'egress-console-chromium-'));
    // The flags the machine notes ask for: no sandbox as root, and no background calls to Google's hosts.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('the page is served without a key and holds none; only the console\'s own files are served', async () => {
    const res = await fetch(`${t.sandbox.info.apiBaseUrl}/console/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const body = await res.text();
    for (const key of [t.sandbox.info.functionKey, t.sandbox.info.nextFunctionKey, t.sandbox.info.masterKey]) expect(body).not.toContain(key);
    const bare = await fetch(`${t.sandbox.info.apiBaseUrl}/console`, { redirect: 'manual' });
    expect([bare.status, bare.headers.get('location')]).toEqual([302, 'console/']);
    const module = await fetch(`${t.sandbox.info.apiBaseUrl}/console/lib/console/hub-picture.mjs`);
    expect([module.status, module.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    const climb = await fetch(`${t.sandbox.info.apiBaseUrl}/console/lib/..%2F..%2Fpackage.json`);
    expect(climb.status).toBe(404);
    expect(((await climb.json()) as { error: { details: Array<{ field: string }> } }).error.details[0]!.field).toBe('asset');
  });

  it('without App Service authentication, the keyless console routes refuse everyone, a forged principal included, and say what to do', async () => {
    // What a client could send itself: nothing strips these headers when App Service authentication is off.
    const forged = { 'x-ms-client-principal-id': '00000000-0000-0000-0000-00000000f0e1', 'x-ms-client-principal-name': 'mallory@example.com', 'x-ms-client-principal-idp': 'aad', 'x-ms-client-principal': Buffer.from(JSON.stringify({ auth_typ: 'aad', claims: [] })).toString('base64') };
    for (const route of ['whoami', 'tenants', 'tenants/spoke1-aks/console1', 'clusters', 'capacity']) {
      const res = await fetch(`${t.sandbox.info.apiBaseUrl}/console-api/${route}`, { headers: forged });
      const body = (await res.json()) as { error: { code: string; message: string; details: Array<{ field: string }> } };
      expect([route, res.status, body.error.code, body.error.details[0]!.field]).toEqual([route, 403, 'SignInNotEnabled', 'WEBSITE_AUTH_ENABLED']);
      expect(body.error.message).toMatch(/function key.*function_app_entra_auth/);
    }
  });

  it('asks for a key, and a refused key says so and where to find the right one', async () => {
    await page.goto(consoleUrl());
    await shows('[data-trouble="no-key"]');
    expect(await page.isVisible('#key-form')).toBe(true);
    await page.fill('#key', 'not-a-key');
    await page.click('#key-form button[type=submit]');
    const trouble = page.locator('[data-trouble="key-refused"]');
    await trouble.waitFor();
    const text = await trouble.innerText();
    expect(text).toContain('The key was refused');
    expect(text).toMatch(/What to do: Paste a function key/);
    expect(text).toContain('sandbox.json');
    expect(await page.isVisible('#key-form')).toBe(true);
    // A refused key is not kept.
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.screenshot({ path: path.join(OUTPUT, 'key-refused.png'), fullPage: true });
  });

  it('watches a tenant onboarded through the API turn Ready, then shows its page with its steps and /31s', async () => {
    // Every phase the tenants table shows for the tenant, as the page redraws it.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seenPhases: string[] }).seenPhases = seen;
      new MutationObserver(() => {
        const phase = document.querySelector('tr[data-tenant="spoke1-aks/console1"]')?.getAttribute('data-phase');
        if (phase && seen[seen.length - 1] !== phase) seen.push(phase);
      }).observe(document.getElementById('view')!, { childList: true, subtree: true });
    });
    expect((await t.api('POST', '/tenants', tenantSpec('console1'))).status).toBe(202);
    await page.fill('#key', t.sandbox.info.functionKey);
    await page.click('#key-form button[type=submit]');
    await shows('tr[data-tenant="spoke1-aks/console1"][data-phase="Ready"]', 90_000);
    // The key was taken: no key form, no error panel.
    expect([await page.isVisible('#key-form'), await page.innerText('#trouble')]).toEqual([false, '']);
    const seen = await page.evaluate(() => (window as unknown as { seenPhases: string[] }).seenPhases);
    console.log(`phases the page showed for spoke1-aks/console1: ${seen.join(' → ')}`);
    expect(seen[seen.length - 1]).toBe('Ready');
    // The page saw the lifecycle under way before it settled (it polls every 2 s while one runs).
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.slice(0, -1).every((p) => p !== 'Ready' && p !== 'Failed')).toBe(true);

    const api = await waitForPhase(t.api, 'spoke1-aks', 'console1', ['Ready']);
    const row = page.locator('tr[data-tenant="spoke1-aks/console1"]');
    const headers = await page.locator('section[data-cluster="spoke1-aks"] thead th').allInnerTexts();
    const cells = await row.locator('td').allInnerTexts();
    const all = `${api.routes.expected.length}/${api.routes.expected.length}`;
    expect(Object.fromEntries(headers.map((h, i) => [h, cells[i]]))).toEqual({
      Tenant: 'console1', Phase: 'Ready', CIDR: api.cidr, '/31s learned on IN_0': all, '/31s learned on IN_1': all, Firewall: 'open',
    });
    await page.screenshot({ path: path.join(OUTPUT, 'tenants.png'), fullPage: true });

    await row.locator('a').click();
    await shows('article.tenant[data-tenant="spoke1-aks/console1"]');
    expect(page.url()).toContain('#/tenants/spoke1-aks/console1');
    const steps = await page.locator('.timeline .step').evaluateAll((els) => els.map((e) => [e.getAttribute('data-step'), e.getAttribute('data-state')]));
    expect(steps).toEqual(api.steps.map((s) => [s.name, 'Succeeded']));
    const blocks = await page.locator('svg.hub text.block').allTextContents();
    expect(blocks.sort()).toEqual([...api.routes.expected].sort());
    expect(blocks.length).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(OUTPUT, 'tenant-console1.png'), fullPage: true });
  });

  it('draws the hub: both Route Server instances, every reflector with a connected session to each, the tenant\'s /31s', async () => {
    await page.click('a[data-nav="hub"]');
    await shows('svg.hub');
    const clusters = (await t.api<{ clusters: Array<{ routeReflectors: Array<{ ip: string }> }> }>('GET', '/clusters')).body.clusters;
    const reflectors = clusters.flatMap((c) => c.routeReflectors.map((r) => r.ip));
    expect(await page.locator('svg.hub g.instance text.label').allTextContents()).toEqual(['IN_0', 'IN_1']);
    expect((await page.locator('svg.hub g.reflector text.label').allTextContents()).sort()).toEqual(reflectors.sort());
    expect(await page.locator('svg.hub line.session.ok').count()).toBe(reflectors.length * 2);
    const tenant = (await t.api<{ routes: { expected: string[] } }>('GET', '/tenants/spoke1-aks/console1')).body;
    expect((await page.locator('svg.hub text.block').allTextContents()).sort()).toEqual([...tenant.routes.expected].sort());
    await page.screenshot({ path: path.join(OUTPUT, 'hub.png'), fullPage: true });
  });

  it('shows capacity as gauges, or says the capacity view is not available', async () => {
    await page.click('a[data-nav="capacity"]');
    await shows('.gauges, [data-trouble="capacity-missing"]');
    const capacity = await fetch(`${t.sandbox.info.apiBaseUrl}/capacity`, { headers: { 'x-functions-key': t.sandbox.info.functionKey } });
    if (capacity.status === 404) {
      expect(await page.locator('[data-trouble="capacity-missing"]').innerText()).toContain('Capacity view not available');
    } else {
      const { gauges } = (await capacity.json()) as { gauges: Array<{ name: string }> };
      expect(await page.locator('.gauge').count()).toBe(gauges.length);
      expect(gauges.length).toBeGreaterThan(0);
    }
    await page.screenshot({ path: path.join(OUTPUT, 'capacity.png'), fullPage: true });
  });

  it('an app without GET /api/capacity gets a clear "not available" panel, and a reload keeps the key', async () => {
    // What an app version without the capacity view answers (the host's 404 for an unknown route).
    await page.route('**/api/capacity', (route) => route.fulfill({ status: 404, body: '' }));
    try {
      await page.reload();
      await shows('[data-trouble="capacity-missing"]');
      const text = await page.locator('[data-trouble="capacity-missing"]').innerText();
      expect(text).toContain('Capacity view not available');
      expect(text).toMatch(/What to do: \S/);
      // The key came from this tab's sessionStorage: not asked again.
      expect(await page.isVisible('#key-form')).toBe(false);
      await page.screenshot({ path: path.join(OUTPUT, 'capacity-missing.png'), fullPage: true });
    } finally {
      await page.unroute('**/api/capacity');
    }
    expect(pageErrors).toEqual([]);
  });
});
