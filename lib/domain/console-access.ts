/**
 * Who may read the console's keyless routes (functions/console-api.ts): only a person App Service
 * authentication signed in. Pure: the caller passes the host's WEBSITE_AUTH_ENABLED and the request's
 * x-ms-client-principal* headers; the answer is the signed-in person, or a refusal that says what to do.
 *
 * The trust rule. App Service authentication, when it is on, strips any X-MS-CLIENT-PRINCIPAL* header a client
 * sends and injects them only for a caller it signed in ("External requests aren't allowed to set these headers,
 * so they're present only if set by App Service": learn.microsoft.com/azure/app-service/configure-authentication-user-identities).
 * App Service tells the app that the module is on with the environment variable WEBSITE_AUTH_ENABLED=True (what
 * Microsoft.Identity.Web's AppServicesAuthenticationInformation reads). Without the module nothing strips
 * the headers, so anyone could forge them: then they are never trusted and the routes refuse every caller.
 */
import { z } from 'zod';

/** The headers App Service injects for a signed-in caller (lower case, as HTTP header names compare). */
export const PRINCIPAL_HEADERS = {
  id: 'x-ms-client-principal-id',
  name: 'x-ms-client-principal-name',
  idp: 'x-ms-client-principal-idp',
  principal: 'x-ms-client-principal',
} as const;

/** Where a person signs in with App Service's Entra ID provider. */
export const SIGN_IN_PATH = '/.auth/login/aad';

/** App Service sets WEBSITE_AUTH_ENABLED to True when its authentication module runs in front of the app. */
export function authModuleOn(websiteAuthEnabled: string | undefined): boolean {
  return websiteAuthEnabled?.trim().toLowerCase() === 'true';
}

/**
 * X-MS-CLIENT-PRINCIPAL decoded: `{ auth_typ, claims: [{ typ, val }], name_typ, role_typ }` (the documented
 * shape). Only what the console uses is required; other fields are let through unread.
 */
export const clientPrincipalSchema = z.object({
  auth_typ: z.string().min(1),
  claims: z.array(z.object({ typ: z.string(), val: z.string() })),
  name_typ: z.string().optional(),
  role_typ: z.string().optional(),
});
export type ClientPrincipal = z.infer<typeof clientPrincipalSchema>;

export interface SignedInUser {
  id: string;
  /** What the console shows: X-MS-CLIENT-PRINCIPAL-NAME, else the principal's name claim, else the id. */
  name: string;
  identityProvider?: string;
}

export interface AccessRequest {
  /** WEBSITE_AUTH_ENABLED as the host's environment has it. */
  websiteAuthEnabled: string | undefined;
  /** The request's x-ms-client-principal* headers (undefined when absent). */
  headers: Partial<Record<keyof typeof PRINCIPAL_HEADERS, string>>;
}

export type ConsoleAccess =
  | { kind: 'signed-in'; user: SignedInUser }
  | { kind: 'refused'; status: 401 | 403; code: string; message: string; details: Array<{ field: string; reason: string }> };

const KEY_ROUTES = 'GET /api/tenants, /api/tenants/{cluster}/{name}, /api/clusters and /api/capacity with a function key (x-functions-key)';

export function consoleAccess(request: AccessRequest): ConsoleAccess {
  if (!authModuleOn(request.websiteAuthEnabled)) {
    // Headers a client sent are all there is here: never read them.
    return {
      kind: 'refused', status: 403, code: 'SignInNotEnabled',
      message: `these console routes answer only a person App Service authentication signed in, and it is off on this app (WEBSITE_AUTH_ENABLED is not True), so no x-ms-client-principal header can be trusted. Read ${KEY_ROUTES}, or turn on Entra ID sign-in (function_app_entra_auth in infra/)`,
      details: [{ field: 'WEBSITE_AUTH_ENABLED', reason: 'App Service authentication is not on for this app' }],
    };
  }
  const id = request.headers.id?.trim();
  if (!id) {
    return {
      kind: 'refused', status: 401, code: 'SignInRequired',
      message: `sign in first: open ${SIGN_IN_PATH} (the console page does it for you), or read ${KEY_ROUTES}`,
      details: [{ field: PRINCIPAL_HEADERS.id, reason: 'no signed-in Entra ID user' }],
    };
  }
  let principal: ClientPrincipal | undefined;
  if (request.headers.principal !== undefined) {
    const decoded = decodeClientPrincipal(request.headers.principal);
    if (!decoded.ok) {
      return {
        kind: 'refused', status: 401, code: 'InvalidClientPrincipal',
        message: `the ${PRINCIPAL_HEADERS.principal} header is not what App Service sends: ${decoded.reason}; sign in again at ${SIGN_IN_PATH}`,
        details: [{ field: PRINCIPAL_HEADERS.principal, reason: decoded.reason }],
      };
    }
    principal = decoded.value;
  }
  const claimedName = principal?.claims.find((c) => c.typ === (principal?.name_typ ?? 'name'))?.val;
  const name = request.headers.name?.trim() || claimedName || id;
  const identityProvider = request.headers.idp?.trim() || principal?.auth_typ;
  return { kind: 'signed-in', user: { id, name, ...(identityProvider ? { identityProvider } : {}) } };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Base64 → JSON → clientPrincipalSchema; the reason names the first thing wrong. */
export function decodeClientPrincipal(header: string): { ok: true; value: ClientPrincipal } | { ok: false; reason: string } {
  const text = header.trim();
  if (text === '' || !BASE64.test(text) || text.length % 4 !== 0) return { ok: false, reason: 'is not Base64' };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(text, 'base64')));
  } catch {
    return { ok: false, reason: 'is not Base64-encoded UTF-8 JSON' };
  }
  const parsed = clientPrincipalSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(the whole value)';
    return { ok: false, reason: `decoded, ${where} ${issue?.message ?? 'is invalid'}` };
  }
  return { ok: true, value: parsed.data };
}
