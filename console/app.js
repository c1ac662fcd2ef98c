// egress-pilot console: the browser glue. It first asks GET /api/console-api/whoami: a person App Service
// authentication signed in (Azure, function_app_entra_auth) reads the keyless routes under /api/console-api/ and is
// never asked for a key; otherwise (the sandbox) it reads /api/ with the function key the user pasted (kept in this
// tab's sessionStorage, sent as x-functions-key). It routes on the URL's #fragment and renders with the pure view
// modules of lib/console (unit-tested in jest). Polls every 2 s while a lifecycle runs, else 10 s.
import { accessFromWhoAmI } from './lib/console/access.mjs';
import { ShapeError, readClusters, readGauges, readTenant, readTenantPage } from './lib/console/api-shapes.mjs';
import { renderGauges } from './lib/console/gauges.mjs';
import { layoutHub, renderHubSvg } from './lib/console/hub-picture.mjs';
import { advise, renderAdvice } from './lib/console/problems.mjs';
import { planTenantReads, refreshDelayMs } from './lib/console/tenant-status.mjs';
import { renderTenantPage } from './lib/console/tenant-page.mjs';
import { renderTenantsPage } from './lib/console/tenant-table.mjs';

const KEY_ITEM = 'egress-pilot.function-key';
/** How this page reads (lib/console/access.mjs), learned once from whoami; undefined until then. */
let access;
/** Where the reads go: /api/console-api/ when signed in, else /api/ (the API lives next to the console). */
const apiBase = () => new URL(access.base, location.href);
const $ = (id) => document.getElementById(id);
/** A read that takes longer is abandoned and reported, so one stuck request never stops the refresh. */
const READ_TIMEOUT_MS = 15_000;

/** A failure the page explains (problems.mjs says what to do about each kind). */
class Trouble extends Error {
  constructor(trouble) {
    super(trouble.kind);
    this.trouble = trouble;
  }
}

/** Asks whoami once; a network failure is reported and asked again at the next refresh. */
async function learnAccess() {
  const url = new URL('../console-api/whoami', location.href);
  let response;
  try {
    // Same-origin: App Service's session cookie goes along, and App Service tells the app who this is.
    response = await fetch(url, { cache: 'no-store', signal: AbortSignal.timeout(READ_TIMEOUT_MS) });
  } catch (error) {
    throw new Trouble({ kind: 'unreachable', url: url.pathname, message: String(error.message ?? error) });
  }
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const learned = accessFromWhoAmI(response.status, body);
  if (learned.mode === 'signed-out') throw new Trouble({ kind: 'signed-out', status: learned.status });
  access = learned;
  if (access.mode === 'signed-in') {
    $('who').textContent = `signed in as ${access.user.name}`;
    $('sign-out').href = access.signOutUrl;
    $('account').hidden = false;
  }
}

async function get(route) {
  const url = new URL(route, apiBase());
  const signedIn = access.mode === 'signed-in';
  let response;
  try {
    const headers = signedIn ? {} : { 'x-functions-key': sessionStorage.getItem(KEY_ITEM) ?? '' };
    response = await fetch(url, { headers, cache: 'no-store', signal: AbortSignal.timeout(READ_TIMEOUT_MS) });
  } catch (error) {
    throw new Trouble({ kind: 'unreachable', url: url.pathname, message: String(error.message ?? error) });
  }
  if (response.status === 401 || response.status === 403) throw new Trouble({ kind: signedIn ? 'signed-out' : 'key-refused', status: response.status });
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    throw new Trouble({ kind: 'server', status: response.status, url: url.pathname, message: 'the answer is not JSON' });
  }
  if (response.status === 404) return { notFound: true, body };
  if (!response.ok) throw new Trouble({ kind: 'server', status: response.status, url: url.pathname, message: body?.error?.message });
  return { notFound: false, body };
}

/** Every tenant, following continuation tokens (100 a page). */
async function allTenants() {
  const tenants = [];
  let token;
  do {
    const query = new URLSearchParams({ limit: '100', ...(token ? { continuationToken: token } : {}) });
    const page = readTenantPage((await get(`tenants?${query}`)).body);
    tenants.push(...page.items);
    token = page.continuationToken;
  } while (token);
  return tenants;
}

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'tenants' && parts.length === 3) return { page: 'tenant', cluster: parts[1], name: parts[2] };
  if (parts[0] === 'hub') return { page: 'hub' };
  if (parts[0] === 'capacity') return { page: 'capacity' };
  return { page: 'tenants' };
}

const tenantPath = (t) => `tenants/${encodeURIComponent(t.cluster)}/${encodeURIComponent(t.name)}`;

/** The last whole tenant list, and when it was read (planTenantReads decides when to read it again). */
let cache;

/** Every tenant: the whole list when due, else the cached one with the tenants whose lifecycle runs read afresh. */
async function tenantsNow() {
  const plan = planTenantReads(cache, Date.now());
  if (plan.kind === 'all') {
    const readAt = Date.now();
    cache = { readAt, tenants: await allTenants() };
    return cache.tenants;
  }
  const fresh = await Promise.all(plan.tenants.map(async (t) => {
    const answer = await get(tenantPath(t));
    return answer.notFound ? undefined : readTenant(answer.body);
  }));
  const byKey = new Map(fresh.filter(Boolean).map((t) => [`${t.cluster}/${t.name}`, t]));
  cache = { ...cache, tenants: cache.tenants.map((t) => byKey.get(`${t.cluster}/${t.name}`) ?? t) };
  return cache.tenants;
}

async function render(where) {
  const clusters = readClusters((await get('clusters')).body);
  if (where.page === 'tenant') {
    const answer = await get(tenantPath(where));
    if (answer.notFound) return { markup: renderAdvice({ kind: 'tenant-missing', cluster: where.cluster, name: where.name }).text, tenants: [] };
    const tenant = readTenant(answer.body);
    // The tenant's own slice of the hub: its cluster's reflectors, their sessions, and its /31s.
    const picture = renderHubSvg(layoutHub(clusters.filter((c) => c.name === tenant.cluster), [tenant]));
    return { markup: `${renderTenantPage(tenant, Date.now()).text}<h3>In the hub</h3><div class="hub-wrap">${picture}</div>`, tenants: [tenant] };
  }
  const tenants = await tenantsNow();
  if (where.page === 'hub') {
    const legend = '<p class="legend muted"><span class="ok">━ BGP session connected</span><span class="busy">┅ connecting</span><span class="bad">┅ no connection</span><span>green /31: learned on every Route Server instance; amber: not yet</span></p>';
    return { markup: `<h2>Hub</h2>${legend}<div class="hub-wrap">${renderHubSvg(layoutHub(clusters, tenants))}</div>`, tenants };
  }
  if (where.page === 'capacity') {
    const answer = await get('capacity');
    if (answer.notFound) return { markup: `<h2>Capacity</h2>${renderAdvice({ kind: 'capacity-missing' }).text}`, tenants };
    const { gauges, generatedAt } = readGauges(answer.body);
    return { markup: `<h2>Capacity</h2>${renderGauges(gauges, generatedAt).text}`, tenants };
  }
  return { markup: `<h2>Tenants by cluster</h2>${renderTenantsPage(clusters, tenants).text}`, tenants };
}

let timer;
let generation = 0;

async function refresh() {
  clearTimeout(timer);
  const mine = ++generation;
  const where = route();
  for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', a.dataset.nav === (where.page === 'tenant' ? 'tenants' : where.page));
  let delay = 10_000;
  try {
    if (!access) await learnAccess();
    if (mine !== generation) return;
    if (access.mode === 'key' && !sessionStorage.getItem(KEY_ITEM)) return showTrouble({ kind: 'no-key' });
    const { markup, tenants } = await render(where);
    if (mine !== generation) return; // a newer refresh (navigation) took over
    $('view').innerHTML = markup;
    $('trouble').innerHTML = '';
    $('key-form').hidden = true;
    $('forget-key').hidden = access.mode !== 'key';
    delay = refreshDelayMs(tenants);
    $('status').textContent = `updated ${new Date().toLocaleTimeString()} · next in ${delay / 1000} s${delay < 10_000 ? ' (a lifecycle runs)' : ''}`;
  } catch (error) {
    if (mine !== generation) return;
    if (error instanceof Trouble) {
      if (error.trouble.kind === 'key-refused') sessionStorage.removeItem(KEY_ITEM);
      showTrouble(error.trouble);
    } else if (error instanceof ShapeError) {
      showTrouble({ kind: 'shape', url: access ? apiBase().pathname : location.pathname, field: error.field, reason: error.message.slice(error.field.length + 1) });
    } else {
      showTrouble({ kind: 'server', status: 0, url: location.pathname, message: String(error) });
    }
    // Wait for a key, or for the person to reload and sign in again: polling would only repeat the refusal.
    if (access?.mode === 'key' && !sessionStorage.getItem(KEY_ITEM)) return;
    if (error instanceof Trouble && error.trouble.kind === 'signed-out') return;
  }
  timer = setTimeout(refresh, delay);
}

function showTrouble(trouble) {
  $('trouble').innerHTML = renderAdvice(trouble).text;
  const askKey = advise(trouble).askKey;
  $('key-form').hidden = !askKey;
  $('forget-key').hidden = askKey || access?.mode !== 'key';
  if (askKey) {
    $('view').innerHTML = '';
    $('status').textContent = '';
    $('key').focus();
  }
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const key = $('key').value.trim();
  if (!key) return;
  sessionStorage.setItem(KEY_ITEM, key);
  $('key').value = '';
  refresh();
});
$('forget-key').addEventListener('click', () => {
  sessionStorage.removeItem(KEY_ITEM);
  refresh();
});
window.addEventListener('hashchange', refresh);
refresh();
