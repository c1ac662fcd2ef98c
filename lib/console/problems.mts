/**
 * Every error the console shows says what happened and what to do about it. Pure: the page passes what
 * it saw (an HTTP status, a network failure, an answer of an unknown shape) and shows the result.
 */
import { html, type Markup } from '../console/html.mjs';

export type Trouble =
  | { kind: 'no-key' }
  | { kind: 'key-refused'; status: number }
  | { kind: 'signed-out'; status: number }
  | { kind: 'unreachable'; url: string; message: string }
  | { kind: 'server'; status: number; url: string; message?: string }
  | { kind: 'shape'; url: string; field: string; reason: string }
  | { kind: 'capacity-missing' }
  | { kind: 'tenant-missing'; cluster: string; name: string };

export interface Advice {
  title: string;
  what: string;
  todo: string;
  /** The key form is shown with it. */
  askKey: boolean;
}

const WHERE_KEYS = 'In the sandbox it is "functionKey" in .sandbox/sandbox.json (npm start prints the folder); in Azure, run az functionapp keys list -g <resource group> -n <function app> and take functionKeys.default, or open the portal\'s Function App → App keys.';

export function advise(t: Trouble): Advice {
  switch (t.kind) {
    case 'no-key':
      return { title: 'A function key is needed', what: 'The console reads the egress-pilot API, which needs a function key. The page keeps it in this tab only (sessionStorage) and sends it as x-functions-key.', todo: `Paste a function key below. ${WHERE_KEYS} (With Entra ID sign-in on the app, infra: function_app_entra_auth, the console reads without a key.)`, askKey: true };
    case 'signed-out':
      return { title: 'Your sign-in has ended', what: `The app answered ${t.status} to a read made as a signed-in person: the Entra ID session expired or was signed out, or your account may not use this app.`, todo: 'Reload the page: App Service sends you to Entra ID to sign in again. If it keeps refusing, ask the app\'s owners to add you to a group it allows (infra: function_app_entra_auth.allowed_groups).', askKey: false };
    case 'key-refused':
      return { title: 'The key was refused', what: `The API answered ${t.status}: the key is wrong, was rotated, or is an admin-only operation's key.`, todo: `Paste a function key from the app's keys. ${WHERE_KEYS}`, askKey: true };
    case 'unreachable':
      return { title: 'The app cannot be reached', what: `${t.url}: ${t.message}`, todo: 'Check that the sandbox is running (npm start) or that the Function App is started, then wait: the page retries by itself.', askKey: false };
    case 'server':
      return { title: `The app answered ${t.status}`, what: `${t.url}${t.message ? `: ${t.message}` : ''}`, todo: 'The page retries by itself. If it persists, read the app\'s log (the sandbox\'s output, or Application Insights in Azure) for this time.', askKey: false };
    case 'shape':
      return { title: 'An answer the console does not understand', what: `${t.url}: ${t.field} ${t.reason}`, todo: 'The page and the API come from different app versions: reload the page (the app serves it) after a deployment.', askKey: false };
    case 'capacity-missing':
      return { title: 'Capacity view not available', what: 'This app version has no GET /api/capacity.', todo: 'Deploy a version with the capacity view; everything else in the console works without it.', askKey: false };
    case 'tenant-missing':
      return { title: `No tenant ${t.name} on cluster ${t.cluster}`, what: 'It was never created, or it was offboarded and its record removed.', todo: 'Go back to all tenants, or create it with POST /api/tenants.', askKey: false };
  }
}

export function renderAdvice(t: Trouble): Markup {
  const a = advise(t);
  return html`<div class="panel bad trouble" role="alert" data-trouble="${t.kind}"><strong>${a.title}</strong><p>${a.what}</p><p class="todo"><strong>What to do:</strong> ${a.todo}</p></div>`;
}
