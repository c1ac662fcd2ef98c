/**
 * How the page reads the API, decided once from its whoami probe (GET /api/console-api/whoami). Pure.
 * - 200: App Service authentication signed this person in (its session cookie rides along on same-origin reads):
 *   read the keyless console routes under /api/console-api/ and never ask for a key.
 * - 401: sign-in is on but this session has none (it expired since the page loaded): say so; reloading signs in again.
 * - anything else (403 SignInNotEnabled: no App Service authentication here, as in the sandbox; 404: an app without
 *   these routes): read /api/ with a function key, as before.
 */
import { readWhoAmI } from '../console/api-shapes.mjs';

export type Access =
  | { mode: 'signed-in'; base: string; user: { id: string; name: string }; signOutUrl: string }
  | { mode: 'key'; base: string }
  | { mode: 'signed-out'; status: number };

/** `base` is relative to the page (/api/console/). */
export function accessFromWhoAmI(status: number, body: unknown): Access {
  if (status === 200) {
    const who = readWhoAmI(body);
    return { mode: 'signed-in', base: '../console-api/', user: { id: who.user.id, name: who.user.name }, signOutUrl: who.signOutUrl ?? '/.auth/logout' };
  }
  if (status === 401) return { mode: 'signed-out', status };
  return { mode: 'key', base: '../' };
}
