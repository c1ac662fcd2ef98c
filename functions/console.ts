import path from 'node:path';
import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { readConsoleAsset } from '../lib/adapters/console-assets';
import { authModuleOn, PRINCIPAL_HEADERS, SIGN_IN_PATH } from '../lib/domain/console-access';
import { problem } from './http-problems';

/**
 * The web console, served by the app itself so it deploys with it: GET /api/console/ is the page,
 * /api/console/<file> its stylesheet and script (console/ at the package root), /api/console/lib/console/<m>.mjs
 * the pure view modules (lib/console, compiled to ES modules the browser loads as they are).
 * Anonymous: these are static files holding no key and no data. In Azure with App Service authentication
 * (infra: function_app_entra_auth) the page sends anyone not signed in to Entra ID, and a signed-in page reads
 * the console's keyless routes (functions/console-api.ts); elsewhere it asks for a function key and reads the API with it.
 */
/** What may be asked for: a flat file name in console/, or a module in lib/ (never a path that climbs). */
const assetSchema = z.union([
  z.literal(''),
  z.string().regex(/^[a-z][a-z0-9-]*\.(css|js|svg)$/),
  z.string().regex(/^lib\/console\/[a-z][a-z0-9-]*\.mjs$/),
]);

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Nothing but the app's own files and API: no inline script, no third-party origin, never framed. */
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // Served fresh after each deployment: the page and the API must come from the same version.
  'Cache-Control': 'no-cache',
};

export async function serveConsole(request: HttpRequest, env: NodeJS.ProcessEnv = process.env): Promise<HttpResponseInit> {
  const asset = request.params.asset ?? '';
  const url = new URL(request.url);
  // The page links its files relative to /api/console/: send a bare /api/console there first.
  if (asset === '' && !url.pathname.endsWith('/')) return { status: 302, headers: { Location: 'console/', ...SECURITY_HEADERS } };
  // With Entra ID sign-in on, nobody sees the console before signing in (lib/domain/console-access.ts: the trust rule).
  if (authModuleOn(env.WEBSITE_AUTH_ENABLED) && !request.headers.get(PRINCIPAL_HEADERS.id)) {
    if (asset !== '') return problem(401, 'SignInRequired', 'sign in to the console first', [{ field: PRINCIPAL_HEADERS.id, reason: 'no signed-in Entra ID user' }]);
    return { status: 302, headers: { Location: `${SIGN_IN_PATH}?post_login_redirect_uri=${encodeURIComponent(url.pathname)}`, ...SECURITY_HEADERS } };
  }
  const parsed = assetSchema.safeParse(asset);
  const notFound = () => problem(404, 'ConsoleFileNotFound', `the console has no file ${asset}`, [{ field: 'asset', reason: 'not a file of the console' }]);
  if (!parsed.success) return notFound();
  const body = await readConsoleAsset(parsed.data);
  if (!body) return notFound();
  return { status: 200, headers: { 'Content-Type': CONTENT_TYPES[path.extname(parsed.data || 'index.html')] ?? 'application/octet-stream', ...SECURITY_HEADERS }, body };
}

app.http('console', { route: 'console/{*asset}', methods: ['GET'], authLevel: 'anonymous', handler: (request) => serveConsole(request) });
