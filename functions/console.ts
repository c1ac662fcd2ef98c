import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { readConsoleAsset } from '../lib/adapters/console-assets';
import { problem } from './http-problems';

/**
 * The web console, served by the app itself so it deploys with it: GET /api/console/ is the page,
 * /api/console/<file> its stylesheet and script (console/ at the package root), /api/console/lib/console/<m>.mjs
 * the pure view modules (lib/console, compiled to ES modules the browser loads as they are).
 * Anonymous: these are static files holding no key and no data. The page asks for a function key and
 * reads the API with it; in Azure, App Service authentication (infra: function_app_entra_auth) can put
 * Entra ID sign-in in front of the page.
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

/**
 * App Service sets WEBSITE_AUTH_ENABLED when its authentication is on (infra: function_app_entra_auth); it then
 * signs people in with Entra ID and tells the app who they are in x-ms-client-principal-* headers, which it
 * strips from what clients send. Not an app setting: the platform's own variable.
 */
const signInEnabled = (env: NodeJS.ProcessEnv): boolean => env.WEBSITE_AUTH_ENABLED?.toLowerCase() === 'true';

export async function serveConsole(request: HttpRequest, env: NodeJS.ProcessEnv = process.env): Promise<HttpResponseInit> {
  const asset = request.params.asset ?? '';
  const url = new URL(request.url);
  // The page links its files relative to /api/console/: send a bare /api/console there first.
  if (asset === '' && !url.pathname.endsWith('/')) return { status: 302, headers: { Location: 'console/', ...SECURITY_HEADERS } };
  // With Entra ID sign-in on, nobody sees the console before signing in (the API keeps its keys either way).
  if (signInEnabled(env) && !request.headers.get('x-ms-client-principal-id')) {
    if (asset !== '') return problem(401, 'SignInRequired', 'sign in to the console first', [{ field: 'x-ms-client-principal-id', reason: 'no signed-in Entra ID user' }]);
    return { status: 302, headers: { Location: `/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(url.pathname)}`, ...SECURITY_HEADERS } };
  }
  const parsed = assetSchema.safeParse(asset);
  const notFound = () => problem(404, 'ConsoleFileNotFound', `the console has no file ${asset}`, [{ field: 'asset', reason: 'not a file of the console' }]);
  if (!parsed.success) return notFound();
  const body = await readConsoleAsset(parsed.data);
  if (!body) return notFound();
  return { status: 200, headers: { 'Content-Type': CONTENT_TYPES[parsed.data === '' ? '.html' : parsed.data.slice(parsed.data.lastIndexOf('.'))] ?? 'application/octet-stream', ...SECURITY_HEADERS }, body };
}

app.http('console', { route: 'console/{*asset}', methods: ['GET'], authLevel: 'anonymous', handler: (request) => serveConsole(request) });
